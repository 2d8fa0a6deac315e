%% ch06_failed_call.erl: book/ch06-behaviours.md, box "In Erlang" (failed calls).
%% run: erlc ch06_failed_call.erl && erl -noshell -s ch06_failed_call main -s init stop
%% expect: {noproc,{gen_server,call,[nobody,{get,alice}]}}
%% expect: {timeout,{gen_server,call,[fragile,{slow,200},100]}}
%% expect: {mailbox_after_the_late_reply,[]}
%% expect: {{badkey,alice},{gen_server,call,[fragile,{get,alice}]}}
%% expect: {noproc,{gen_server,call,[fragile,{get,alice}]}}
-module(ch06_failed_call).
-behaviour(gen_server).
-export([main/0]).
-export([init/1, handle_call/3, handle_cast/2]).

init(none) -> {ok, #{}}.

handle_call({get, Key}, _From, Store) ->
    {reply, maps:get(Key, Store), Store};          % crashes if Key is missing
handle_call({slow, Ms}, _From, Store) ->
    timer:sleep(Ms),
    {reply, finally, Store}.

handle_cast(_, Store) -> {noreply, Store}.

%% A failed call exits the caller; catch the exit to look at its reason.
try_call(Args) ->
    try apply(gen_server, call, Args)
    catch exit:{{Error, Stack}, Where} when is_list(Stack) -> {Error, Where};
          exit:Reason -> Reason
    end.

main() ->
    logger:set_primary_config(level, none),        % no crash report on the console
    {ok, _Pid} = gen_server:start({local, fragile}, ?MODULE, none, []),
    io:format("~p~n", [try_call([nobody, {get, alice}])]),
    io:format("~p~n", [try_call([fragile, {slow, 200}, 100])]),
    timer:sleep(300),                              % the server replied at 200 ms
    {messages, Late} = process_info(self(), messages),
    io:format("~p~n", [{mailbox_after_the_late_reply, Late}]),
    io:format("~p~n", [try_call([fragile, {get, alice}])]),
    io:format("~p~n", [try_call([fragile, {get, alice}])]).
