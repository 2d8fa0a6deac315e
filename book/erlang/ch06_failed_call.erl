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
    {reply, maps:get(Key, Store), Store};  % may crash
handle_call({slow, Ms}, _From, Store) ->
    timer:sleep(Ms),
    {reply, finally, Store}.

handle_cast(_, Store) -> {noreply, Store}.

try_call(Args) ->           % a failed call exits the caller: catch it
    try apply(gen_server, call, Args)
    catch
        exit:{{Error, Stack}, Where} when is_list(Stack) ->
            {Error, Where};          % drop the stack trace
        exit:Reason ->
            Reason
    end.

main() ->
    logger:set_primary_config(level, none),  % no reports
    {ok, _} = gen_server:start({local, fragile}, ?MODULE,
                               none, []),
    p(try_call([nobody, {get, alice}])),
    p(try_call([fragile, {slow, 200}, 100])),
    timer:sleep(300),           % it replied at 200 ms
    {messages, Late} = process_info(self(), messages),
    p({mailbox_after_the_late_reply, Late}),
    p(try_call([fragile, {get, alice}])),
    p(try_call([fragile, {get, alice}])).

p(Term) -> io:format("~p~n", [Term]).
