%% ch06_kv.erl: book/ch06-behaviours.md, box "In Erlang" (gen_server).
%% run: erlc ch06_kv.erl && erl -noshell -s ch06_kv main -s init stop
%% expect: 500
%% expect: {kv_ignores,hello}
%% expect: {undefined,200}
%% expect: {idle_for_ms,200}
%% expect: ok
%% expect: ok
-module(ch06_kv).
-behaviour(gen_server).
-export([main/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

-define(IDLE, 200).    % milliseconds

%% The specific part: four callbacks. The state is a map.
init(Initial) -> {ok, Initial, ?IDLE}.

handle_call({get, Key}, _From, Store) ->
    {reply, maps:get(Key, Store, undefined), Store, ?IDLE};
handle_call({put, Key, Value}, _From, Store) ->
    {reply, ok, Store#{Key => Value}, ?IDLE}.

handle_cast({delete, Key}, Store) ->
    {noreply, maps:remove(Key, Store), ?IDLE}.

handle_info(timeout, Store) ->
    io:format("~p~n", [{idle_for_ms, ?IDLE}]),
    {noreply, Store};                              % no timeout: say it once
handle_info(Other, Store) ->
    io:format("~p~n", [{kv_ignores, Other}]),
    {noreply, Store, ?IDLE}.

%% The generic part is gen_server itself; main is a client.
main() ->
    {ok, _Pid} = gen_server:start({local, kv}, ?MODULE, #{alice => 500}, []),
    io:format("~p~n", [gen_server:call(kv, {get, alice})]),
    ok = gen_server:call(kv, {put, bob, 200}),
    ok = gen_server:cast(kv, {delete, alice}),
    kv ! hello,                                    % neither a call nor a cast
    io:format("~p~n", [{gen_server:call(kv, {get, alice}),
                        gen_server:call(kv, {get, bob})}]),
    timer:sleep(2 * ?IDLE),
    io:format("~p~n", [gen_server:cast(nobody_here, {delete, alice})]),
    io:format("~p~n", [gen_server:stop(kv)]).
