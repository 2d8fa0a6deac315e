#!/usr/bin/env escript
%% -*- erlang -*-
%%! +S 1 -noshell
%%
%% Erlang half of the differential tests (tests/differential/).
%%
%% Every scenario here has a twin with the same name in scenarios.py, written
%% with labrt. Each scenario runs in a fresh process (role `a`), logs lines of
%% terms through log/1, and gives pids and refs role names through nm/2. The
%% runner prints one section per scenario:
%%
%%     === name
%%     a got {'EXIT',b,normal}
%%     a exit normal
%%     === end 41
%%
%% Normalisation: pids and refs become their role names (unnamed ones print as
%% '#pid' / '#ref'); an error reason {R, Stacktrace} becomes R, which is what the
%% Python side prints for an exception (ZeroDivisionError -> badarith ...).
%%
%% Determinism: one scheduler (+S 1); only the scenario's main process logs;
%% children report to it by message; waits are explicit (monitors, acks).
%% A few short sleeps remain where the BEAM needs an in-flight signal to land.
%%
%% Run: escript beam_scenarios.escript [name ...]   (no names = all)

-mode(compile).

main(Args) ->
    logger:set_primary_config(level, none),
    Wanted = [list_to_atom(A) || A <- Args],
    Run = [S || {Name, _} = S <- scenarios(), Wanted == [] orelse lists:member(Name, Wanted)],
    lists:foreach(fun({Name, Fun}) -> run(Name, Fun) end, Run),
    io:format("=== end ~w~n", [length(Run)]),
    halt(0).

%% ---------------------------------------------------------------- runner

run(Name, Fun) ->
    Self = self(),
    {Pid, Ref} = spawn_monitor(fun() -> put(collector, Self), Fun() end),
    {Lines, Names} = collect(Pid, Ref, #{Pid => a}, []),
    %% tidy up anything the scenario left running (not logged)
    [exit(P, kill) || P <- maps:keys(Names), is_pid(P), P =/= Pid],
    io:format("=== ~w~n", [Name]),
    [io:format("~s~n", [fmt_line(norm(L, Names))]) || L <- Lines],
    ok.

collect(Pid, Ref, Names, Acc) ->
    receive
        {log, Terms} -> collect(Pid, Ref, Names, [Terms | Acc]);
        {name, X, N} -> collect(Pid, Ref, Names#{X => N}, Acc);
        {'DOWN', Ref, process, Pid, Why} ->
            {lists:reverse([[a, exit, Why] | Acc]), Names}
    after 5000 ->
        {lists:reverse([[runner, timeout] | Acc]), Names}
    end.

log(Terms) -> get(collector) ! {log, Terms}, ok.
nm(X, Name) -> get(collector) ! {name, X, Name}, X.

norm(X, Names) when is_pid(X); is_reference(X) ->
    case maps:find(X, Names) of
        {ok, N} -> N;
        error when is_pid(X) -> '#pid';
        error -> '#ref'
    end;
norm({R, [{M, _, _, _} | _] = Stack}, Names) when is_atom(M), is_list(Stack) ->
    norm(R, Names);                      % {Reason, Stacktrace} -> Reason
norm(T, Names) when is_tuple(T) ->
    list_to_tuple(norm(tuple_to_list(T), Names));
norm(L, Names) when is_list(L) -> [norm(E, Names) || E <- L];
norm(X, _) -> X.

fmt_line(Terms) -> lists:join(" ", [io_lib:format("~w", [T]) || T <- Terms]).

%% ---------------------------------------------------------------- helpers

trap(B) -> process_flag(trap_exit, B).

%% {ok,V} | {error,R} | {exit,R} | {throw,T}
t(F) ->
    try {ok, F()} catch C:R -> {C, R} end.

wait_dead(P) ->
    M = monitor(process, P),
    receive {'DOWN', M, process, P, Why} -> Why end.

%% a pid of a process that has already ended (normally)
dead_pid() ->
    P = spawn(fun() -> ok end),
    wait_dead(P),
    P.

%% a process that waits for `go`, then exits with Reason
on_go_exit(Reason) -> fun() -> receive go -> exit(Reason) end end.

idle() -> receive never_sent -> ok end.

next() -> receive M -> M after 1000 -> nothing end.
poll() -> receive M -> M after 0 -> timeout end.

divide(X, Y) -> X div Y.

settle() -> timer:sleep(10).

%% ---------------------------------------------------------------- scenarios

scenarios() ->
    [
     %% A. links and trap_exit, one per reason (items 2-7)
     {link_trap_normal, fun() ->
         trap(true),
         nm(spawn_link(fun() -> ok end), b),
         log([a, got, next()])
     end},
     {link_trap_abnormal, fun() ->
         trap(true),
         nm(spawn_link(fun() -> exit(boom) end), b),
         log([a, got, next()])
     end},
     {link_trap_error, fun() ->
         trap(true),
         nm(spawn_link(fun() -> divide(1, 0) end), b),
         log([a, got, next()])
     end},
     {link_trap_kill_reason, fun() ->
         %% b dies with reason kill (exit/1): its link signal is a trappable kill
         trap(true),
         nm(spawn_link(fun() -> exit(kill) end), b),
         log([a, got, next()])
     end},
     {link_trap_killed, fun() ->
         trap(true),
         B = nm(spawn_link(fun idle/0), b),
         log([a, exit_kill, exit(B, kill)]),
         log([a, got, next()])
     end},
     {link_nontrap_normal, fun() ->
         B = nm(spawn_link(on_go_exit(normal)), b),
         nm(monitor(process, B), m1),
         B ! go,
         log([a, got, next()]),
         settle(),
         log([a, got, poll()])
     end},
     {link_nontrap_abnormal, fun() ->
         B = nm(spawn_link(on_go_exit(boom)), b),
         log([a, linked]),
         B ! go,
         idle()
     end},
     {link_nontrap_chain, fun() ->
         %% a - b - c, nobody traps: c's boom takes everyone down
         A = self(),
         B = nm(spawn_link(fun() ->
                 C = spawn_link(on_go_exit(boom)),
                 A ! {c, C},
                 idle()
             end), b),
         C = receive {c, C0} -> nm(C0, c) end,
         nm(monitor(process, B), mb),
         log([a, chain, B, C]),
         C ! go,
         idle()
     end},

     %% kill vs killed (items 6-7)
     {kill_reason_propagates_as_kill, fun() ->
         trap(true),
         A = self(),
         B = nm(spawn_link(fun() ->
                 C = spawn_link(on_go_exit(kill)),
                 A ! {c, C},
                 idle()
             end), b),
         C = receive {c, C0} -> nm(C0, c) end,
         MC = nm(monitor(process, C), mc),
         C ! go,
         log([a, got, receive {'DOWN', MC, _, _, _} = D -> D end]),
         log([a, got, receive {'EXIT', B, _} = E -> E end])
     end},
     {killed_propagates_as_killed, fun() ->
         trap(true),
         A = self(),
         B = nm(spawn_link(fun() ->
                 C = spawn_link(fun idle/0),
                 A ! {c, C},
                 idle()
             end), b),
         C = receive {c, C0} -> nm(C0, c) end,
         MC = nm(monitor(process, C), mc),
         exit(C, kill),
         log([a, got, receive {'DOWN', MC, _, _, _} = D -> D end]),
         log([a, got, receive {'EXIT', B, _} = E -> E end])
     end},
     {kill_untrappable_when_trapping, fun() ->
         A = self(),
         B = nm(spawn(fun() -> trap(true), A ! ready, idle() end), b),
         receive ready -> ok end,
         nm(monitor(process, B), m1),
         exit(B, kill),
         log([a, got, next()])
     end},
     {exit_self_kill_when_trapping, fun() ->
         A = self(),
         B = nm(spawn(fun() ->
                 trap(true), A ! ready,
                 receive go -> ok end,
                 exit(self(), kill),
                 A ! still_running,
                 idle()
             end), b),
         receive ready -> ok end,
         nm(monitor(process, B), m1),
         B ! go,
         log([a, got, next()]),
         settle(),
         log([a, got, poll()])
     end},

     %% exit/2 (items 8-11)
     {exit_self_normal_nontrapping, fun() ->
         A = self(),
         B = nm(spawn(fun() ->
                 receive go -> ok end,
                 exit(self(), normal),
                 A ! still_running,
                 idle()
             end), b),
         nm(monitor(process, B), m1),
         B ! go,
         log([a, got, next()]),
         settle(),
         log([a, got, poll()])
     end},
     {exit_self_normal_trapping, fun() ->
         log([a, trap, trap(true)]),
         log([a, exit_normal, exit(self(), normal)]),
         log([a, got, next()]),
         log([a, alive, is_process_alive(self())])
     end},
     {exit_normal_other_nontrapping, fun() ->
         B = nm(spawn(fun Loop() -> receive {ping, F} -> F ! pong, Loop() end end), b),
         log([a, exit_normal, exit(B, normal)]),
         B ! {ping, self()},
         log([a, got, next()]),
         log([b, alive, is_process_alive(B)])
     end},
     {exit_normal_other_trapping, fun() ->
         A = self(),
         B = nm(spawn(fun() ->
                 trap(true), A ! ready,
                 receive M -> A ! {b_got, M} end
             end), b),
         receive ready -> ok end,
         exit(B, normal),
         receive {b_got, M} -> log([b, got, M]) end
     end},
     {exit_abnormal_other, fun() ->
         A = self(),
         B = nm(spawn(fun idle/0), b),
         nm(monitor(process, B), m1),
         log([a, exit_boom, exit(B, boom)]),
         log([a, got, next()]),
         C = nm(spawn(fun() ->
                 trap(true), A ! ready,
                 receive M -> A ! {c_got, M} end
             end), c),
         receive ready -> ok end,
         exit(C, {shutdown, why}),
         receive {c_got, M} -> log([c, got, M]) end
     end},
     {exit_dead_pid, fun() ->
         B = nm(dead_pid(), b),
         log([a, exit_boom, exit(B, boom)]),
         log([a, exit_kill, exit(B, kill)]),
         log([a, got, poll()])
     end},
     {exit1_is_catchable, fun() ->
         log([a, caught, t(fun() -> exit(oops) end)]),
         log([a, caught, t(fun() -> exit({shutdown, x}) end)]),
         log([a, still, alive])
     end},
     {main_crash_badarith, fun() ->
         log([a, dividing]),
         divide(1, 0)
     end},

     %% link/unlink (items 12-17)
     {link_dead_trapping, fun() ->
         trap(true),
         B = nm(dead_pid(), b),
         log([a, link, link(B)]),
         log([a, got, next()])
     end},
     {link_dead_nontrapping, fun() ->
         B = nm(dead_pid(), b),
         log([a, link, t(fun() -> link(B) end)]),
         settle(),
         log([a, got, poll()])
     end},
     {link_dead_uncaught, fun() ->
         B = nm(dead_pid(), b),
         link(B),
         log([a, not_reached])
     end},
     {link_idempotent_unlink_once, fun() ->
         trap(true),
         log([a, link_self, link(self())]),
         B = nm(spawn(on_go_exit(boom)), b),
         log([a, link, link(B), link(B)]),
         log([a, unlink, unlink(B)]),
         nm(monitor(process, B), m1),
         B ! go,
         log([a, got, next()]),
         settle(),
         log([a, got, poll()])
     end},
     {unlink_then_no_effect, fun() ->
         B = nm(spawn_link(on_go_exit(boom)), b),
         log([a, unlink, unlink(B)]),
         nm(monitor(process, B), m1),
         B ! go,
         log([a, got, next()]),
         settle(),
         log([a, got, poll()])
     end},
     {spawn_link_dies_at_once, fun() ->
         trap(true),
         nm(spawn_link(fun() -> exit(boom) end), b),
         log([a, got, next()]),
         {C, M} = spawn_monitor(fun() -> exit(bang) end),
         nm(C, c), nm(M, m1),
         log([a, got, next()])
     end},
     {trap_exit_returns_old, fun() ->
         log([a, trap, trap(true)]),
         log([a, trap, trap(true)]),
         log([a, trap, trap(false)]),
         log([a, trap, trap(false)])
     end},

     %% signal ordering and names (items 19-20)
     {message_before_exit, fun() ->
         trap(true),
         A = self(),
         nm(spawn_link(fun() -> A ! hello, A ! world, exit(boom) end), b),
         log([a, got, next()]),
         log([a, got, next()]),
         log([a, got, next()])
     end},
     {message_before_down, fun() ->
         A = self(),
         {B, M} = spawn_monitor(fun() -> receive go -> A ! hello, ok end end),
         nm(B, b), nm(M, m1),
         B ! go,
         log([a, got, next()]),
         log([a, got, next()])
     end},
     {name_freed_before_exit_and_down, fun() ->
         trap(true),
         B = nm(spawn_link(on_go_exit(boom)), b),
         log([a, register, register(foo, B)]),
         M = nm(monitor(process, B), m1),
         B ! go,
         log([a, got, receive {'EXIT', B, _} = E -> E end]),
         log([a, whereis, foo, whereis(foo)]),
         log([a, got, receive {'DOWN', M, _, _, _} = D -> D end]),
         log([a, register, register(foo, self())]),
         log([a, whereis, foo, whereis(foo)])
     end},

     %% monitors (items 22-27)
     {monitor_dead_pid, fun() ->
         B = nm(dead_pid(), b),
         nm(monitor(process, B), m1),
         log([a, got, next()])
     end},
     {monitor_unregistered_name, fun() ->
         nm(monitor(process, nosuch), m1),
         log([a, got, next()])
     end},
     {monitor_by_name, fun() ->
         B = nm(spawn(on_go_exit(boom)), b),
         register(foo, B),
         nm(monitor(process, foo), m1),
         B ! go,
         log([a, got, next()]),
         log([a, whereis, foo, whereis(foo)])
     end},
     {monitor_twice_fires_twice, fun() ->
         B = nm(spawn(on_go_exit(boom)), b),
         M1 = nm(monitor(process, B), m1),
         M2 = nm(monitor(process, B), m2),
         log([a, distinct, M1 =/= M2]),
         B ! go,
         log([a, got, receive {'DOWN', M1, _, _, _} = D1 -> D1 end]),
         log([a, got, receive {'DOWN', M2, _, _, _} = D2 -> D2 end])
     end},
     {monitor_watcher_death_harmless, fun() ->
         A = self(),
         B = nm(spawn(fun() -> receive {ping, F} -> F ! pong end end), b),
         W = nm(spawn(fun() ->
                 monitor(process, B), A ! watching,
                 receive go -> exit(boom) end
             end), w),
         receive watching -> ok end,
         MW = nm(monitor(process, W), mw),
         W ! go,
         log([a, got, receive {'DOWN', MW, _, _, _} = D -> D end]),
         B ! {ping, self()},
         log([a, got, next()])
     end},
     {demonitor_flush, fun() ->
         B = nm(spawn(on_go_exit(boom)), b),
         M1 = nm(monitor(process, B), m1),
         M2 = nm(monitor(process, B), m2),
         M3 = nm(monitor(process, B), m3),
         B ! go,
         receive {'DOWN', M3, _, _, _} -> ok end,
         settle(),
         log([a, demonitor, m1, flush, demonitor(M1, [flush])]),
         log([a, demonitor, m2, plain, demonitor(M2)]),
         log([a, got, poll()]),
         log([a, got, poll()])
     end},
     {demonitor_info, fun() ->
         B = nm(spawn(on_go_exit(boom)), b),
         M1 = nm(monitor(process, B), m1),
         log([a, demonitor, m1, info, demonitor(M1, [info])]),
         log([a, demonitor, m1, info, demonitor(M1, [info])]),
         M2 = nm(monitor(process, B), m2),
         M3 = nm(monitor(process, B), m3),
         B ! go,
         receive {'DOWN', M3, _, _, _} -> ok end,
         settle(),
         log([a, demonitor, m2, flush_info, demonitor(M2, [flush, info])]),
         log([a, got, poll()])
     end},

     %% registered names (items 29-30, 35-38)
     {register_errors, fun() ->
         B = nm(spawn(fun idle/0), b),
         D = nm(dead_pid(), d),
         log([a, register, foo, a, t(fun() -> register(foo, self()) end)]),
         log([a, register, foo, b, t(fun() -> register(foo, B) end)]),
         log([a, register, bar, a, t(fun() -> register(bar, self()) end)]),
         log([a, register, undefined, b, t(fun() -> register(undefined, B) end)]),
         log([a, register, baz, d, t(fun() -> register(baz, D) end)]),
         log([a, register, baz, b, t(fun() -> register(baz, B) end)]),
         log([a, whereis, baz, whereis(baz)]),
         log([a, unregister, nosuch, t(fun() -> unregister(nosuch) end)]),
         log([a, unregister, foo, t(fun() -> unregister(foo) end)]),
         log([a, whereis, foo, whereis(foo)]),
         log([a, member, foo, lists:member(foo, registered())]),
         log([a, member, baz, lists:member(baz, registered())])
     end},
     {send_semantics, fun() ->
         D = nm(dead_pid(), d),
         register(foo, self()),
         log([a, send, foo, t(fun() -> foo ! hi end)]),
         log([a, got, next()]),
         log([a, send, nosuch, t(fun() -> nosuch ! hi end)]),
         log([a, send, d, t(fun() -> D ! hi end)]),
         log([a, got, poll()])
     end},
     {dead_process_info, fun() ->
         D = nm(dead_pid(), d),
         log([d, alive, is_process_alive(D)]),
         log([d, info, process_info(D)])
     end},

     %% receive (items 32-34)
     {selective_receive_order, fun() ->
         [self() ! M || M <- [m1, m2, {x, 1}, m3, {x, 2}, m4]],
         log([a, got, receive {x, _} = X1 -> X1 end]),
         log([a, got, receive {x, _} = X2 -> X2 end]),
         log([a, got, receive {y, _} = Y -> Y after 0 -> timeout end]),
         log([a, got, poll()]),
         log([a, got, poll()]),
         log([a, got, receive m4 -> m4; m3 -> m3 end]),
         log([a, got, poll()]),
         log([a, got, poll()])
     end},
     {receive_after_zero, fun() ->
         log([a, got, poll()]),
         self() ! unmatched,
         log([a, got, receive wanted -> wanted after 0 -> timeout end]),
         log([a, got, poll()])
     end},
     {receive_after_not_reset, fun() ->
         %% unmatched arrivals at 20/40/60 ms do not restart a 100 ms timer
         A = self(),
         nm(spawn(fun() ->
                 [begin timer:sleep(20), A ! {noise, N} end || N <- [1, 2, 3]],
                 timer:sleep(90),
                 A ! late
             end), b),
         log([a, got, receive late -> late after 100 -> timeout end]),
         log([a, got, poll()]),
         log([a, got, poll()]),
         log([a, got, poll()]),
         log([a, got, next()])
     end},
     %% more subtle cases
     {trap_flag_read_on_arrival, fun() ->
         %% an EXIT already turned into a message stays a message after trap_exit(false)
         trap(true),
         B = nm(spawn_link(on_go_exit(boom)), b),
         M = nm(monitor(process, B), m1),
         B ! go,
         receive {'DOWN', M, _, _, _} -> ok end,
         settle(),
         log([a, trap, trap(false)]),
         log([a, got, poll()]),
         log([a, still, alive])
     end},
     {unlink_trapping_no_exit, fun() ->
         trap(true),
         B = nm(spawn_link(on_go_exit(boom)), b),
         log([a, unlink, unlink(B)]),
         nm(monitor(process, B), m1),
         B ! go,
         log([a, got, next()]),
         settle(),
         log([a, got, poll()])
     end},
     {child_links_to_parent, fun() ->
         trap(true),
         A = self(),
         B = nm(spawn(fun() -> link(A), A ! linked, receive go -> exit(boom) end end), b),
         receive linked -> ok end,
         B ! go,
         log([a, got, next()])
     end},
     {monitor_name_resolved_once, fun() ->
         B = nm(spawn(on_go_exit(boom)), b),
         C = nm(spawn(fun idle/0), c),
         register(foo, B),
         nm(monitor(process, foo), m1),
         unregister(foo),
         register(foo, C),
         B ! go,
         log([a, got, next()]),
         log([a, whereis, foo, whereis(foo)])
     end},
     {exit_reason_killed_is_trappable, fun() ->
         %% only the atom kill is untrappable; killed sent by exit/2 is ordinary
         A = self(),
         B = nm(spawn(fun() ->
                 trap(true), A ! ready,
                 receive M -> A ! {b_got, M} end
             end), b),
         receive ready -> ok end,
         exit(B, killed),
         receive {b_got, M} -> log([b, got, M]) end,
         C = nm(spawn(fun idle/0), c),
         nm(monitor(process, C), m1),
         exit(C, killed),
         log([a, got, next()])
     end},
     {killed_kills_nontrapping_link, fun() ->
         B = nm(spawn_link(fun idle/0), b),
         log([a, exit_kill, exit(B, kill)]),
         idle()
     end},
     {shutdown_tuple_propagates, fun() ->
         B = nm(spawn_link(on_go_exit({shutdown, x})), b),
         B ! go,
         idle()
     end},
     {self_signals_in_order, fun() ->
         trap(true),
         self() ! m1,
         exit(self(), boom),
         self() ! m2,
         log([a, got, poll()]),
         log([a, got, poll()]),
         log([a, got, poll()]),
         log([a, got, poll()])
     end},
     {unlink_non_pid, fun() ->
         log([a, unlink, foo, t(fun() -> unlink(foo) end)])
     end},
     {bad_arguments, fun() ->
         log([a, link, foo, t(fun() -> link(foo) end)]),
         log([a, monitor, 42, t(fun() -> monitor(process, 42) end)]),
         log([a, exit, foo, t(fun() -> exit(foo, boom) end)]),
         log([a, register, 42, t(fun() -> register(42, self()) end)]),
         log([a, send, 42, t(fun() -> 42 ! hi end)]),
         log([a, demonitor, unknown, t(fun() -> demonitor(make_ref()) end)]),
         log([a, receive_after, -1, t(fun() -> receive never -> ok after -1 -> ok end end)]),
         log([a, still, alive])
     end}
    ].
