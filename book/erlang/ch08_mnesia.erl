%% ch08_mnesia.erl: book/ch08-nodes.md, box "In Erlang" (Mnesia's spelling).
%% run: erlc ch08_mnesia.erl && erl -noshell -s ch08_mnesia main -s init stop
%% One node, a disc_copies table in a fresh Mnesia directory under /tmp.
%% expect: {files,"LATEST.LOG orders.DCD schema.DAT"}
%% expect: {sync_transaction,{atomic,ok}}
%% expect: {sync_log,ok}
%% expect: {dump_log,dumped}
%% expect: {files,"DECISION_TAB.LOG LATEST.LOG orders.DCD orders.DCL schema.DAT"}
%% expect: {backup,ok}
%% expect: {size_after_bad_job,4}
%% expect: {restore,{atomic,[orders]}}
%% expect: {size_after_restore,9}
-module(ch08_mnesia).
-export([main/0]).

main() ->
    logger:set_primary_config(level, error),        % no "mnesia stopped" report
    Dir = filename:join("/tmp", "ch08_mnesia_" ++ os:getpid()),
    application:set_env(mnesia, dir, Dir),
    try run(Dir) after mnesia:stop(), file:del_dir_r(Dir) end.

run(Dir) ->
    Files = fun() -> {ok, Fs} = file:list_dir(Dir), {files, string:join(lists:sort(Fs), " ")} end,
    ok = mnesia:create_schema([node()]),
    ok = mnesia:start(),
    {atomic, ok} = mnesia:create_table(orders, [{attributes, [id, amount]},
                                               {disc_copies, [node()]}]),
    [{atomic, ok} = mnesia:transaction(fun() -> mnesia:write({orders, I, 100 + I}) end)
     || I <- lists:seq(1, 8)],
    io:format("~p~n", [Files()]),
    io:format("~p~n", [{sync_transaction,
                        mnesia:sync_transaction(fun() -> mnesia:write({orders, 9, 109}) end)}]),
    io:format("~p~n", [{sync_log, mnesia:sync_log()}]),
    io:format("~p~n", [{dump_log, mnesia:dump_log()}]),
    io:format("~p~n", [Files()]),
    Backup = filename:join(Dir, "nightly.bup"),
    io:format("~p~n", [{backup, mnesia:backup(Backup)}]),
    {atomic, _} = mnesia:transaction(fun() ->              % the bad job: odd keys gone
        [mnesia:delete({orders, K}) || K <- mnesia:all_keys(orders), K rem 2 =:= 1] end),
    io:format("~p~n", [{size_after_bad_job, mnesia:table_info(orders, size)}]),
    io:format("~p~n", [{restore, mnesia:restore(Backup, [{default_op, clear_tables}])}]),
    io:format("~p~n", [{size_after_restore, mnesia:table_info(orders, size)}]).
