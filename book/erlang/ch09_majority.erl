%% Chapter 9: one partition, two tables, on three real Mnesia nodes (OTP 25).
%%
%% Peers a, b and c (OS processes, started with peer over standard_io, so the
%% controller is not a node of the cluster) share two tables with a disc
%% copy on every node: `limit_m` with {majority, true} and `limit_d` in
%% Mnesia's default mode.  a is cut off from b and c with
%% erlang:disconnect_node (nobody reconnects nodes that do not talk), each
%% side writes, a pings b and c again ("the heal"), and finally a restarts
%% its Mnesia.  Nodes print as their roles a, b, c.  The peers run with
%% prevent_overlapping_partitions false: with OTP 25's default (true), global
%% would also disconnect b from c when a drops them, and there would be no
%% majority side at all.
%%
%% expect: {running_db_nodes_on_a,[a]}
%% expect: {running_db_nodes_on_b,[b,c]}
%% expect: {a_writes_majority,{aborted,{no_majority,limit_m}}}
%% expect: {a_reads_majority,{atomic,[{limit_m,limit,0}]}}
%% expect: {a_reads_with_a_write_majority,{aborted,{no_majority,limit_m}}}
%% expect: {a_writes_default,{atomic,ok}}
%% expect: {b_writes_majority,{atomic,ok}}
%% expect: {b_writes_default,{atomic,ok}}
%% expect: {heal,[pong,pong]}
%% expect: {events_on_a,[{mnesia_down,b},{mnesia_down,c},{inconsistent_database,running_partitioned_network,b},{inconsistent_database,running_partitioned_network,c}]}
%% expect: {events_on_b,[{mnesia_down,a},{inconsistent_database,running_partitioned_network,a}]}
%% expect: {after_heal_running_db_nodes_on_a,[a]}
%% expect: {after_heal_a_writes_majority,{aborted,{no_majority,limit_m}}}
%% expect: {after_heal_default_on_a,[{limit_d,limit,from_a}]}
%% expect: {after_heal_default_on_b,[{limit_d,limit,from_b}]}
%% expect: {after_restart_running_db_nodes_on_a,[a,b,c]}
%% expect: {after_restart_default_on_a,[{limit_d,limit,from_b}]}
%% expect: {after_restart_a_writes_majority,{atomic,ok}}
-module(ch09_majority).
-export([main/0, sub/0, events/0, tw/2, tr/1, trw/1]).

main() ->
    Dir = filename:join("/tmp", "ch09_majority_" ++ os:getpid()),
    Tag = "ch09" ++ os:getpid(),
    [{Pa, A}, {Pb, B}, {Pc, C}] = [start(R, Tag, Dir) || R <- [a, b, c]],
    Roles = [{A, a}, {B, b}, {C, c}],
    true = peer:call(Pa, net_kernel, connect_node, [B]),
    true = peer:call(Pa, net_kernel, connect_node, [C]),
    ok = peer:call(Pa, mnesia, create_schema, [[A, B, C]]),
    [ok = peer:call(P, mnesia, start, []) || P <- [Pa, Pb, Pc]],
    [ok = peer:call(P, ?MODULE, sub, []) || P <- [Pa, Pb, Pc]],
    {atomic, ok} = peer:call(Pa, mnesia, create_table,
                             [limit_m, [{disc_copies, [A, B, C]}, {majority, true}]]),
    {atomic, ok} = peer:call(Pa, mnesia, create_table,
                             [limit_d, [{disc_copies, [A, B, C]}]]),
    {atomic, ok} = peer:call(Pa, ?MODULE, tw, [limit_m, 0]),
    {atomic, ok} = peer:call(Pa, ?MODULE, tw, [limit_d, 0]),
    %% The partition: a drops its connections to b and c.
    peer:call(Pa, erlang, disconnect_node, [B]),
    peer:call(Pa, erlang, disconnect_node, [C]),
    timer:sleep(1000),
    Out = fun(K, V) -> io:format("~w~n", [roles({K, V}, Roles)]) end,
    Out(running_db_nodes_on_a, peer:call(Pa, mnesia, system_info, [running_db_nodes])),
    Out(running_db_nodes_on_b, lists:sort(peer:call(Pb, mnesia, system_info,
                                                    [running_db_nodes]))),
    Out(a_writes_majority, peer:call(Pa, ?MODULE, tw, [limit_m, from_a])),
    Out(a_reads_majority, peer:call(Pa, ?MODULE, tr, [limit_m])),
    Out(a_reads_with_a_write_majority, peer:call(Pa, ?MODULE, trw, [limit_m])),
    Out(a_writes_default, peer:call(Pa, ?MODULE, tw, [limit_d, from_a])),
    Out(b_writes_majority, peer:call(Pb, ?MODULE, tw, [limit_m, from_b])),
    Out(b_writes_default, peer:call(Pb, ?MODULE, tw, [limit_d, from_b])),
    %% The heal: a makes contact again.
    Out(heal, [peer:call(Pa, net_adm, ping, [N]) || N <- [B, C]]),
    timer:sleep(1500),
    Out(events_on_a, lists:sort(peer:call(Pa, ?MODULE, events, []))),
    Out(events_on_b, lists:sort(peer:call(Pb, ?MODULE, events, []))),
    Out(after_heal_running_db_nodes_on_a,
        peer:call(Pa, mnesia, system_info, [running_db_nodes])),
    Out(after_heal_a_writes_majority, peer:call(Pa, ?MODULE, tw, [limit_m, again_a])),
    Out(after_heal_default_on_a, peer:call(Pa, mnesia, dirty_read, [limit_d, limit])),
    Out(after_heal_default_on_b, peer:call(Pb, mnesia, dirty_read, [limit_d, limit])),
    %% The operator's remedy: restart Mnesia on a; it loads from b and c.
    stopped = peer:call(Pa, mnesia, stop, []),
    ok = peer:call(Pa, mnesia, start, []),
    ok = peer:call(Pa, mnesia, wait_for_tables, [[limit_m, limit_d], 10000]),
    Out(after_restart_running_db_nodes_on_a,
        lists:sort(peer:call(Pa, mnesia, system_info, [running_db_nodes]))),
    Out(after_restart_default_on_a, peer:call(Pa, mnesia, dirty_read, [limit_d, limit])),
    Out(after_restart_a_writes_majority, peer:call(Pa, ?MODULE, tw, [limit_m, late_a])),
    [peer:stop(P) || P <- [Pa, Pb, Pc]],
    _ = file:del_dir_r(Dir),
    ok.

start(Role, Tag, Dir) ->
    Name = list_to_atom(atom_to_list(Role) ++ "_" ++ Tag),
    MnesiaDir = filename:join(Dir, atom_to_list(Role)),
    ok = filelib:ensure_dir(filename:join(MnesiaDir, "x")),
    {ok, P, N} = peer:start(#{name => Name, host => "localhost",
                              connection => standard_io, wait_boot => 20000,
                              args => ["-setcookie", Tag, "-kernel", "logger_level", "none",
                                       "-kernel", "prevent_overlapping_partitions", "false",
                                       "-mnesia", "dir", "\"" ++ MnesiaDir ++ "\""]}),
    {Mod, Bin, File} = code:get_object_code(?MODULE),
    {module, Mod} = peer:call(P, code, load_binary, [Mod, File, Bin]),
    {P, N}.

roles(T, Roles) when is_atom(T) -> proplists:get_value(T, Roles, T);
roles(T, Roles) when is_tuple(T) -> list_to_tuple(roles(tuple_to_list(T), Roles));
roles(L, Roles) when is_list(L) -> [roles(X, Roles) || X <- L];
roles(T, _) -> T.

%% On a peer: a transaction that writes / reads the one record of Tab.
tw(Tab, V) -> mnesia:transaction(fun() -> mnesia:write({Tab, limit, V}) end).
tr(Tab) -> mnesia:transaction(fun() -> mnesia:read(Tab, limit) end).
%% A read in a transaction that also writes the record back: the write is checked.
trw(Tab) -> mnesia:transaction(fun() -> [R] = mnesia:read(Tab, limit), mnesia:write(R), R end).

%% On a peer: a registered process that collects Mnesia's system events.
sub() ->
    S = self(),
    P = spawn(fun() -> mnesia:subscribe(system), S ! ok, loop([]) end),
    register(ch09_events, P),
    receive ok -> ok end.

events() -> ch09_events ! {get, self()}, receive {ch09_events, L} -> L end.

loop(L) ->
    receive
        {get, F} -> F ! {ch09_events, lists:reverse(L)}, loop(L);
        {mnesia_system_event, {mnesia_down, _} = E} -> loop([E | L]);
        {mnesia_system_event, {inconsistent_database, _, _} = E} -> loop([E | L]);
        _ -> loop(L)
    end.
