%% Helpers run on the peer nodes by beam_store.escript (tests/differential_store/).
%% Each returns a list of terms; the controller prints one term per line.
-module(store_scenarios).
-export([forms/0, retries/0, replicated_write/0, read/1, tw/2, sub/0, events/0,
         start_kv/1, schema_ops/1, not_active/1, force_load_before/1, force_load_b/0,
         force_load_a/0]).

norm({aborted, {E, [{_, _, _, _} | _]}}) -> {aborted, E};     % {E, Stacktrace} -> E
norm(T) -> T.

forms() ->
    {atomic, ok} = mnesia:create_table(f, [{attributes, [k, v]}]),
    T = fun(F) -> norm(mnesia:transaction(F)) end,
    [mnesia:create_table(f, [{attributes, [k, v]}]),
     T(fun() -> mnesia:write({f, 1, a}) end),
     T(fun() -> mnesia:read(f, 1) end),
     T(fun() -> mnesia:read(nosuch, 1) end),
     T(fun() -> mnesia:write({nosuch, 1, a}) end),
     T(fun() -> mnesia:write({f, 1}) end),
     T(fun() -> mnesia:write({f, 2, b}), mnesia:abort(why) end),
     T(fun() -> mnesia:read(f, 2) end),
     T(fun() -> exit(why) end),
     T(fun() -> throw(why) end),
     T(fun() -> 1 / 0 end),
     catch mnesia:read(f, 1),
     catch mnesia:dirty_read(nosuch, 1),
     catch mnesia:dirty_write({nosuch, 1, 2}),
     mnesia:dirty_write({f, 3, c}),
     mnesia:dirty_read(f, 3),
     T(fun() -> {mnesia:transaction(fun() -> mnesia:write({f, 5, n}), mnesia:abort(inner) end),
                 mnesia:read(f, 5)} end)].

retries() ->
    {atomic, ok} = mnesia:create_table(r, [{attributes, [k, v]}]),
    Self = self(),
    Old = fun() -> spawn(fun() ->
              R = mnesia:transaction(fun() -> mnesia:write({r, 1, old}), timer:sleep(300), done end),
              Self ! {old, R} end) end,
    Old(), timer:sleep(50),
    Young = mnesia:transaction(fun() -> mnesia:write({r, 1, young}) end, 1),
    receive {old, R1} -> ok end,
    Old(), timer:sleep(50),
    Young2 = mnesia:transaction(fun() -> mnesia:write({r, 1, young}) end),
    receive {old, R2} -> ok end,
    [Young, R1, Young2, R2, mnesia:dirty_read(r, 1)].

start_kv(Nodes) ->
    mnesia:create_table(kv, [{attributes, [k, v]}, {disc_copies, Nodes}]).

replicated_write() -> [tw(1, both)].

read(K) -> mnesia:dirty_read(kv, K).

tw(K, V) -> mnesia:transaction(fun() -> mnesia:write({kv, K, V}) end).

sub() -> S = self(),
    P = spawn(fun() -> mnesia:subscribe(system), S ! ok, loop([]) end),
    register(evs, P), receive ok -> ok end.

events() -> evs ! {get, self()}, receive {evs, L} -> L end.

loop(L) ->
    receive
        {get, F} -> F ! {evs, lists:reverse(L)}, loop(L);
        {mnesia_system_event, {mnesia_down, _} = E} -> loop([E | L]);
        {mnesia_system_event, {inconsistent_database, _, _} = E} -> loop([E | L]);
        _ -> loop(L)
    end.

%% delete_table and del_table_copy: results and error forms (a and b running).
schema_ops([A, B]) ->
    {atomic, ok} = mnesia:create_table(t, [{disc_copies, [A, B]}]),
    ok = mnesia:dirty_write({t, 1, x}),
    R1 = [mnesia:delete_table(nosuch),
          mnesia:delete_table(schema),
          mnesia:del_table_copy(nosuch, A),
          mnesia:del_table_copy(t, 'c@localhost'),
          mnesia:del_table_copy(t, B),
          mnesia:table_info(t, disc_copies),
          rpc:call(B, mnesia, table_info, [t, disc_copies]),
          rpc:call(B, mnesia, table_info, [t, where_to_read]),
          rpc:call(B, mnesia, dirty_read, [t, 1]),
          mnesia:del_table_copy(t, B),
          mnesia:del_table_copy(t, A),
          lists:member(t, mnesia:system_info(tables))],
    {atomic, ok} = mnesia:create_table(u, [{ram_copies, [A]}]),
    ok = mnesia:dirty_write({u, 1, x}),
    R2 = [mnesia:delete_table(u),
          mnesia:delete_table(u),
          mnesia:transaction(fun() -> mnesia:read(u, 1) end),
          catch mnesia:dirty_read(u, 1),
          mnesia:create_table(u, [{ram_copies, [A]}]),
          mnesia:table_info(u, size)],
    {atomic, ok} = mnesia:create_table(w, [{disc_copies, [A, B]}]),
    R1 ++ R2.

%% With b's Mnesia stopped: neither call may leave b with a forgotten copy.
not_active(A) ->
    [norm_expl(mnesia:delete_table(w)), norm_expl(mnesia:del_table_copy(w, A)),
     lists:member(w, mnesia:system_info(tables))].

norm_expl({aborted, {not_active, S, T, N}}) when is_list(S) ->
    {aborted, {not_active, list_to_atom(S), T, N}};
norm_expl(X) -> X.

%% force_load_table: b stops first, a writes and stops; b starts alone.
force_load_before([A, B]) ->
    {atomic, ok} = mnesia:create_table(fl, [{disc_copies, [A, B]}]),
    {atomic, ok} = mnesia:create_table(fr, [{ram_copies, [A, B]}]),
    {atomic, ok} = mnesia:create_table(fo, [{disc_only_copies, [A, B]}]),
    [mnesia:dirty_write(R) || R <- [{fl, 1, x}, {fr, 1, x}, {fo, 1, x}]],
    ok.

force_load_b() ->
    [mnesia:wait_for_tables([fl, fr, fo], 1000),
     mnesia:table_info(fl, where_to_read),
     catch mnesia:dirty_read(fl, 1),
     mnesia:transaction(fun() -> mnesia:read(fl, 1) end),
     mnesia:force_load_table(nosuch),
     mnesia:force_load_table(fl),
     mnesia:force_load_table(fr),
     mnesia:wait_for_tables([fl, fr, fo], 1000),
     mnesia:force_load_table(fo),
     mnesia:wait_for_tables([fl, fr, fo], 1000),
     mnesia:dirty_read(fl, 1), mnesia:dirty_read(fl, 2), mnesia:dirty_read(fr, 1),
     mnesia:dirty_read(fo, 1), mnesia:table_info(fo, storage_type),
     mnesia:dirty_write({fl, 3, b})].

force_load_a() ->
    [mnesia:wait_for_tables([fl, fo], 3000), mnesia:dirty_read(fl, 2),
     mnesia:dirty_read(fl, 3), mnesia:dirty_read(fo, 1),
     lists:sort(mnesia:system_info(running_db_nodes))].
