%% Helpers run on the peer nodes by beam_store.escript (tests/differential_store/).
%% Each returns a list of terms; the controller prints one term per line.
-module(store_scenarios).
-export([forms/0, retries/0, replicated_write/0, read/1, tw/2, sub/0, events/0,
         start_kv/1]).

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
