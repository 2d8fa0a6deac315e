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
-export([init/1, handle_call/3, handle_cast/2,
         handle_info/2]).

-define(IDLE, 200).    % milliseconds

init(Initial) -> {ok, Initial, ?IDLE}.    % the state is a map

handle_call({get, Key}, _From, Store) ->
    Value = maps:get(Key, Store, undefined),
    {reply, Value, Store, ?IDLE};
handle_call({put, Key, Value}, _From, Store) ->
    {reply, ok, Store#{Key => Value}, ?IDLE}.

handle_cast({delete, Key}, Store) ->
    {noreply, maps:remove(Key, Store), ?IDLE}.

handle_info(timeout, Store) ->
    p({idle_for_ms, ?IDLE}),
    {noreply, Store};              % no timeout: say it once
handle_info(Other, Store) ->
    p({kv_ignores, Other}),
    {noreply, Store, ?IDLE}.

main() ->    % the generic part is gen_server itself; main is a client
    Initial = #{alice => 500},
    {ok, _} = gen_server:start({local, kv}, ?MODULE,
                               Initial, []),
    p(gen_server:call(kv, {get, alice})),
    ok = gen_server:call(kv, {put, bob, 200}),
    ok = gen_server:cast(kv, {delete, alice}),
    kv ! hello,                    % neither call nor cast
    p({gen_server:call(kv, {get, alice}),
       gen_server:call(kv, {get, bob})}),
    timer:sleep(2 * ?IDLE),
    p(gen_server:cast(nobody_here, {delete, alice})),
    p(gen_server:stop(kv)).

p(Term) -> io:format("~p~n", [Term]).
