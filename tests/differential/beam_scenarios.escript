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
%% this script is also the callback module of the OTP scenarios
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, handle_continue/2,
         terminate/2, start_worker/3, start_sup/2, start_dyn/2]).

main(Args) ->
    logger:set_primary_config(level, none),
    Wanted = [list_to_atom(A) || A <- Args],
    Run = [S || {Name, _} = S <- scenarios() ++ otp_scenarios(), Wanted == [] orelse lists:member(Name, Wanted)],
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

%% ================================================================ OTP
%%
%% Workers report to the scenario's main process (the observer) by sending
%% {report, Line}; the main process logs the lines in arrival order. Start
%% reports come from the supervisor (the start function runs there), stop
%% reports from the worker, so the order is the causal order.

report(Obs, Line) -> Obs ! {report, Line}.

%% start function of a supervised worker (runs in the supervisor)
start_worker(Id, Obs, fail) -> report(Obs, [Id, start_failed]), {error, nope};
start_worker(Id, Obs, ignore) -> report(Obs, [Id, start_ignored]), ignore;
start_worker(Id, Obs, Mode) ->
    Pid = spawn_link(fun() -> trap(true), worker(Id, Obs, Mode) end),
    register(Id, Pid),
    report(Obs, [Id, started]),
    {ok, Pid}.

worker(Id, Obs, Mode) ->
    receive
        {crash, R} -> exit(R);
        {'EXIT', _, R} when Mode == stubborn ->
            report(Obs, [Id, ignoring, R]), worker(Id, Obs, Mode);
        {'EXIT', _, R} -> report(Obs, [Id, stopped, R]), exit(R)
    end.

%% start function of simple_one_for_one children: template args ++ [Id]
start_dyn(Obs, Id) -> start_worker(Id, Obs, normal).

%% start function of a child supervisor
start_sup(Id, Spec) ->
    {ok, Pid} = supervisor:start_link(?MODULE, Spec),
    register(Id, Pid),
    {ok, Pid}.

wspec(Id, Obs) -> wspec(Id, Obs, #{}).
wspec(Id, Obs, Opts) ->
    Mode = maps:get(mode, Opts, normal),
    maps:merge(#{id => Id, start => {?MODULE, start_worker, [Id, Obs, Mode]}},
               maps:remove(mode, Opts)).

%% log every report that arrives until 30 ms pass without one
reports() ->
    receive {report, L} -> log(L), reports()
    after 30 -> ok
    end.

%% which_children, projected to [{Id, running|undefined|restarting}]
kids(Sup) ->
    [{Id, case C of P when is_pid(P) -> running; X -> X end}
     || {Id, C, _, _} <- supervisor:which_children(Sup)].

%% which_children of a simple_one_for_one supervisor, in the order it lists the
%% children, projected to [{undefined, RegisteredName|restarting}]: the ids are
%% all undefined, so the names show the order (oldest first on OTP 25)
dyn_kids(Sup) ->
    [{Id, case C of
              P when is_pid(P) -> element(2, process_info(P, registered_name));
              X -> X
          end}
     || {Id, C, _, _} <- supervisor:which_children(Sup)].

counts(Sup) -> [N || {_, N} <- supervisor:count_children(Sup)].

stop_sup(Sup) ->
    exit(Sup, shutdown),
    receive {'EXIT', Sup, R} -> reports(), log([a, got, {'EXIT', Sup, R}]) end.

start_sup_link(Flags, Specs) ->
    {ok, Sup} = supervisor:start_link(?MODULE, {sup, Flags, Specs}),
    nm(Sup, sup).

%% --- callbacks: supervisor init and the test gen_server share init/1
init({sup, Flags, Specs}) -> {ok, {Flags, Specs}};
init(sup_ignore) -> ignore;
init({gs, Obs, Mode}) ->
    case Mode of
        ok -> {ok, Obs};
        trap -> trap(true), {ok, Obs};
        {stop, R} -> {stop, R};
        ignore -> ignore;
        crash -> divide(1, 0);
        {error, R} -> {error, R};
        {continue, C} -> {ok, Obs, {continue, C}};
        {timeout, T} -> {ok, Obs, T};
        {slow, Ms} -> timer:sleep(Ms), {ok, Obs}
    end.

handle_call(ping, _From, Obs) -> {reply, pong, Obs};
handle_call({sleep, Ms}, _From, Obs) -> timer:sleep(Ms), {reply, slept, Obs};
handle_call(crash, _From, Obs) -> {reply, divide(1, 0), Obs};
handle_call({stop_reply, R}, _From, Obs) -> {stop, R, stopping, Obs};
handle_call({stop_noreply, R}, _From, Obs) -> {stop, R, Obs};
handle_call(bogus, _From, _Obs) -> bogus;
handle_call(call_self, _From, Obs) -> {reply, gen_server:call(self(), ping), Obs};
handle_call({throw, V}, _From, _Obs) -> throw(V);
handle_call(reply_later, From, Obs) ->
    spawn(fun() -> gen_server:reply(From, later) end),
    {noreply, Obs};
handle_call({continue, C}, _From, Obs) -> {reply, ok, Obs, {continue, C}};
handle_call({timeout, T}, _From, Obs) -> {reply, ok, Obs, T}.

handle_cast({report, X}, Obs) -> report(Obs, [s, cast, X]), {noreply, Obs};
handle_cast({stop, R}, Obs) -> {stop, R, Obs}.

handle_info(Msg, Obs) -> report(Obs, [s, info, Msg]), {noreply, Obs}.

handle_continue(C, Obs) -> report(Obs, [s, continue, C]), {noreply, Obs}.

terminate(R, Obs) -> report(Obs, [s, terminate, R]).

gs(Mode) -> {gs, self(), Mode}.

otp_scenarios() ->
    [
     %% D. supervisor (items 42-56)
     {sup_start_and_shutdown_order, fun() ->
         trap(true),
         A = self(),
         Sup = start_sup_link(#{}, [wspec(c1, A), wspec(c2, A), wspec(c3, A)]),
         reports(),
         log([sup, kids, kids(Sup)]),
         log([sup, counts, counts(Sup)]),
         stop_sup(Sup)
     end},
     {sup_one_for_one, fun() ->
         trap(true),
         A = self(),
         Sup = start_sup_link(#{strategy => one_for_one},
                              [wspec(c1, A), wspec(c2, A), wspec(c3, A)]),
         reports(),
         c2 ! {crash, boom},
         reports(),
         log([sup, kids, kids(Sup)]),
         stop_sup(Sup)
     end},
     {sup_one_for_all, fun() ->
         trap(true),
         A = self(),
         Sup = start_sup_link(#{strategy => one_for_all},
                              [wspec(c1, A), wspec(c2, A), wspec(c3, A)]),
         reports(),
         c2 ! {crash, boom},
         reports(),
         log([sup, kids, kids(Sup)]),
         stop_sup(Sup)
     end},
     {sup_rest_for_one, fun() ->
         trap(true),
         A = self(),
         Sup = start_sup_link(#{strategy => rest_for_one},
                              [wspec(c1, A), wspec(c2, A), wspec(c3, A), wspec(c4, A)]),
         reports(),
         c2 ! {crash, boom},
         reports(),
         log([sup, kids, kids(Sup)]),
         stop_sup(Sup)
     end},
     {sup_intensity_exceeded, fun() ->
         %% intensity 2: two restarts are fine, the third crash is one too many
         trap(true),
         A = self(),
         _Sup = start_sup_link(#{intensity => 2, period => 5},
                              [wspec(c1, A), wspec(c2, A), wspec(c3, A)]),
         reports(),
         [begin log([a, crash, N]), c1 ! {crash, boom}, reports() end || N <- [1, 2, 3]],
         log([a, got, next()])
     end},
     {sup_intensity_default, fun() ->
         %% default intensity 1 in 5 s: the second crash kills the supervisor
         trap(true),
         A = self(),
         Sup = start_sup_link(#{}, [wspec(c1, A), wspec(c2, A)]),
         reports(),
         c2 ! {crash, boom},
         reports(),
         c2 ! {crash, boom},
         reports(),
         log([a, got, receive {'EXIT', Sup, _} = E -> E after 1000 -> nothing end])
     end},
     {sup_restart_types, fun() ->
         trap(true),
         A = self(),
         lists:foreach(fun({Type, Reason}) ->
             Sup = start_sup_link(#{intensity => 10},
                                  [wspec(c1, A, #{restart => Type})]),
             receive {report, _} -> ok end,
             c1 ! {crash, Reason},
             reports(),
             log([Type, Reason, kids(Sup), counts(Sup)]),
             exit(Sup, shutdown),
             receive {'EXIT', Sup, _} -> reports() end
           end,
           [{T, R} || T <- [permanent, transient, temporary],
                      R <- [normal, shutdown, {shutdown, x}, boom]])
     end},
     {sup_temporary_bystander, fun() ->
         trap(true),
         A = self(),
         Sup = start_sup_link(#{strategy => one_for_all},
                              [wspec(c1, A), wspec(c2, A, #{restart => temporary}),
                               wspec(c3, A, #{restart => transient})]),
         reports(),
         c1 ! {crash, boom},
         reports(),
         log([sup, kids, kids(Sup)]),
         log([sup, counts, counts(Sup)]),
         stop_sup(Sup)
     end},
     {sup_shutdown_timeout_kills, fun() ->
         trap(true),
         A = self(),
         Sup = start_sup_link(#{}, [wspec(c1, A, #{mode => stubborn, shutdown => 100}),
                                    wspec(c2, A)]),
         reports(),
         nm(monitor(process, nm(whereis(c1), c1)), m1),
         exit(Sup, shutdown),
         log([a, got, next()]),
         log([a, got, next()]),
         log([a, got, next()]),
         log([a, got, next()])
     end},
     {sup_brutal_kill, fun() ->
         trap(true),
         A = self(),
         Sup = start_sup_link(#{}, [wspec(c1, A, #{shutdown => brutal_kill})]),
         reports(),
         nm(monitor(process, nm(whereis(c1), c1)), m1),
         exit(Sup, shutdown),
         log([a, got, next()]),
         log([a, got, next()]),
         log([a, got, poll()])
     end},
     {sup_child_admin, fun() ->
         trap(true),
         A = self(),
         Sup = start_sup_link(#{}, [wspec(c1, A)]),
         reports(),
         C2 = wspec(c2, A),
         log([a, start_child, supervisor:start_child(Sup, C2)]), reports(),
         log([a, start_child, supervisor:start_child(Sup, C2)]),
         log([a, terminate_child, supervisor:terminate_child(Sup, c2)]), reports(),
         log([a, terminate_child, supervisor:terminate_child(Sup, c2)]),
         log([a, terminate_child, supervisor:terminate_child(Sup, nosuch)]),
         log([sup, kids, kids(Sup)]),
         log([sup, counts, counts(Sup)]),
         log([a, start_child, supervisor:start_child(Sup, C2)]),
         log([a, restart_child, supervisor:restart_child(Sup, c2)]), reports(),
         log([a, restart_child, supervisor:restart_child(Sup, c2)]),
         log([a, delete_child, supervisor:delete_child(Sup, c2)]),
         log([a, terminate_child, supervisor:terminate_child(Sup, c2)]), reports(),
         log([a, delete_child, supervisor:delete_child(Sup, c2)]),
         log([a, restart_child, supervisor:restart_child(Sup, c2)]),
         log([a, delete_child, supervisor:delete_child(Sup, c2)]),
         log([sup, kids, kids(Sup)]),
         log([a, start_child, supervisor:start_child(Sup, wspec(c3, A, #{mode => ignore}))]),
         reports(),
         log([sup, kids, kids(Sup)]),
         %% the error term also holds the child spec in OTP's own record: keep the reason
         {error, {Why, _}} = supervisor:start_child(Sup, wspec(c4, A, #{mode => fail})),
         log([a, start_child, {error, Why}]),
         reports(),
         log([sup, kids, kids(Sup)]),
         stop_sup(Sup)
     end},
     {sup_init_child_fails, fun() ->
         trap(true),
         A = self(),
         log([a, start_link, supervisor:start_link(?MODULE, {sup, #{},
                 [wspec(c1, A), wspec(c2, A, #{mode => fail}), wspec(c3, A)]})]),
         reports(),
         log([a, got, poll()])
     end},
     {sup_init_ignore, fun() ->
         trap(true),
         log([a, start_link, supervisor:start_link(?MODULE, sup_ignore)]),
         settle(),
         log([a, got, poll()])
     end},
     {sup_escalation, fun() ->
         %% inner supervisor (intensity 0) gives up; the outer one restarts it
         trap(true),
         A = self(),
         Inner = {sup, #{intensity => 0}, [wspec(w1, A), wspec(w2, A)]},
         Sup = start_sup_link(#{}, [wspec(c1, A),
                                    #{id => inner, type => supervisor,
                                      start => {?MODULE, start_sup, [inner, Inner]}},
                                    wspec(c3, A)]),
         reports(),
         w2 ! {crash, boom},
         reports(),
         log([sup, kids, kids(Sup)]),
         log([inner, kids, kids(inner)]),
         stop_sup(Sup)
     end},

     %% E. gen_server (items 71-89)
     {gs_start_results, fun() ->
         trap(true),
         {ok, S} = gen_server:start_link({local, srv}, ?MODULE, gs(ok), []),
         nm(S, s),
         log([a, start, ok, {ok, S}]),
         log([a, start, dup, gen_server:start_link({local, srv}, ?MODULE, gs(ok), [])]),
         log([a, got, poll()]),
         lists:foreach(fun(Mode) ->
             log([a, start, Mode, gen_server:start_link(?MODULE, gs(Mode), [])]),
             settle(),
             log([a, got, poll()])
           end, [{stop, stopped}, ignore, crash])
     end},
     {gs_init_error_return, fun() ->
         %% OTP 26 made {error,R} a legal init return (item 73)
         trap(true),
         log([a, start, error, gen_server:start_link(?MODULE, gs({error, nope}), [])]),
         settle(),
         log([a, got, poll()])
     end},
     {gs_call_results, fun() ->
         {ok, S} = gen_server:start(?MODULE, gs(ok), []),
         nm(S, s),
         nm(monitor(process, S), m1),
         log([a, call, ping, gen_server:call(S, ping)]),
         log([a, call, throw, gen_server:call(S, {throw, {reply, thrown, self()}})]),
         log([a, call, reply_later, gen_server:call(S, reply_later)]),
         log([a, call, stop_reply, gen_server:call(S, {stop_reply, done})]),
         reports(),
         log([a, got, receive {'DOWN', _, _, _, _} = D -> D after 1000 -> nothing end])
     end},
     {gs_call_failures, fun() ->
         Start = fun(N) -> {ok, P} = gen_server:start(?MODULE, gs(ok), []), nm(P, N) end,
         D = nm(dead_pid(), d),
         log([a, call, dead, t(fun() -> gen_server:call(D, ping) end)]),
         log([a, call, noname, t(fun() -> gen_server:call(nosuch, ping) end)]),
         S1 = Start(s1),
         log([a, call, timeout, t(fun() -> gen_server:call(S1, {sleep, 200}, 100) end)]),
         timer:sleep(200),
         log([a, got, poll()]),
         log([a, call, after_timeout, t(fun() -> gen_server:call(S1, ping) end)]),
         S2 = Start(s2),
         log([a, call, crash, t(fun() -> gen_server:call(S2, crash) end)]),
         S3 = Start(s3),
         log([a, call, stop_noreply, t(fun() -> gen_server:call(S3, {stop_noreply, normal}) end)]),
         S4 = Start(s4),
         log([a, call, bogus, t(fun() -> gen_server:call(S4, bogus) end)]),
         S5 = Start(s5),
         log([a, call, call_self, t(fun() -> gen_server:call(S5, call_self) end)]),
         log([a, call, self, t(fun() -> gen_server:call(self(), ping) end)]),
         log([a, cast, dead, gen_server:cast(D, hi)]),
         log([a, cast, noname, gen_server:cast(nosuch, hi)])
     end},
     {gs_terminate_cases, fun() ->
         trap(true),
         %% stop/1 and stop/3 run terminate
         {ok, S1} = gen_server:start(?MODULE, gs(ok), []), nm(S1, s1),
         log([a, stop, gen_server:stop(S1)]), reports(),
         {ok, S2} = gen_server:start(?MODULE, gs(ok), []), nm(S2, s2),
         log([a, stop, gen_server:stop(S2, {shutdown, x}, infinity)]), reports(),
         log([a, stop, dead, t(fun() -> gen_server:stop(S2) end)]),
         %% a crash in a callback runs terminate with the error reason
         {ok, S3} = gen_server:start(?MODULE, gs(ok), []), nm(S3, s3),
         catch gen_server:call(S3, crash), reports(),
         %% parent's exit: terminate only if the server traps exits
         {ok, S4} = gen_server:start_link(?MODULE, gs(trap), []), nm(S4, s4),
         exit(S4, shutdown),
         receive {'EXIT', S4, R4} -> reports(), log([a, got, {'EXIT', S4, R4}]) end,
         {ok, S5} = gen_server:start_link(?MODULE, gs(ok), []), nm(S5, s5),
         exit(S5, shutdown),
         receive {'EXIT', S5, R5} -> reports(), log([a, got, {'EXIT', S5, R5}]) end,
         %% kill: no terminate even when trapping
         {ok, S6} = gen_server:start_link(?MODULE, gs(trap), []), nm(S6, s6),
         exit(S6, kill),
         receive {'EXIT', S6, R6} -> reports(), log([a, got, {'EXIT', S6, R6}]) end,
         %% an EXIT from a process that is not the parent goes to handle_info
         {ok, S7} = gen_server:start(?MODULE, gs(trap), []), nm(S7, s7),
         B = nm(spawn(fun() -> link(S7), exit(boom) end), b),
         wait_dead(B), reports(),
         log([s7, alive, is_process_alive(S7)])
     end},
     {gs_cast_info_continue_timeout, fun() ->
         {ok, S} = gen_server:start(?MODULE, gs({continue, from_init}), []),
         nm(S, s),
         gen_server:cast(S, {report, first}),
         S ! hello,
         reports(),
         log([a, call, gen_server:call(S, {continue, from_call})]),
         reports(),
         log([a, call, gen_server:call(S, {timeout, 50})]),
         timer:sleep(100),
         reports(),
         log([a, call, gen_server:call(S, {timeout, 50})]),
         gen_server:cast(S, {report, soon}),
         timer:sleep(100),
         reports(),
         gen_server:cast(S, {stop, normal}),
         reports(),
         log([s, alive, is_process_alive(S)])
     end},
     %% more OTP cases
     {gs_start_timeout_and_monitor, fun() ->
         trap(true),
         log([a, start, slow, gen_server:start(?MODULE, gs({slow, 200}), [{timeout, 100}])]),
         log([a, start_link, slow,
              gen_server:start_link(?MODULE, gs({slow, 200}), [{timeout, 100}])]),
         settle(),
         log([a, got, poll()]),
         {ok, {S, M}} = gen_server:start_monitor(?MODULE, gs(ok), []),
         nm(S, s), nm(M, m1),
         log([a, stop, gen_server:stop(S, bye, infinity)]),
         reports(),
         log([a, got, next()])
     end},
     {gs_start_link_stop_nontrapping, fun() ->
         %% init returns {stop, R}: the non-trapping caller is not taken down
         log([a, start_link, gen_server:start_link(?MODULE, gs({stop, stopped}), [])]),
         settle(),
         log([a, got, poll()]),
         log([a, still, alive])
     end},
     {sup_simple_one_for_one, fun() ->
         trap(true),
         A = self(),
         Sup = start_sup_link(#{strategy => simple_one_for_one},
                              [#{id => ignored, start => {?MODULE, start_dyn, [A]}}]),
         log([sup, kids, dyn_kids(Sup)]),
         log([sup, counts, counts(Sup)]),
         log([a, start_child, supervisor:start_child(Sup, [d1])]),
         log([a, start_child, supervisor:start_child(Sup, [d2])]),
         reports(),
         log([sup, kids, dyn_kids(Sup)]),
         d1 ! {crash, boom},
         reports(),
         log([sup, kids, dyn_kids(Sup)]),
         log([sup, counts, counts(Sup)]),
         D1 = whereis(d1),
         log([a, terminate_child, id, supervisor:terminate_child(Sup, d1)]),
         log([a, terminate_child, pid, supervisor:terminate_child(Sup, D1)]),
         reports(),
         log([a, terminate_child, again, supervisor:terminate_child(Sup, D1)]),
         log([a, terminate_child, foreign, supervisor:terminate_child(Sup, self())]),
         log([a, restart_child, supervisor:restart_child(Sup, d2)]),
         log([a, delete_child, supervisor:delete_child(Sup, d2)]),
         log([sup, counts, counts(Sup)]),
         stop_sup(Sup)
     end},
     {sup_check_childspecs, fun() ->
         A = self(),
         C = fun(L) -> log([a, check, supervisor:check_childspecs(L)]) end,
         C([wspec(c1, A), wspec(c2, A)]),
         C([wspec(c1, A), wspec(c1, A)]),
         C([wspec(c1, A, #{restart => bogus})]),
         C([wspec(c1, A, #{shutdown => -1})]),
         C([wspec(c1, A, #{type => bogus})]),
         C([wspec(c1, A, #{significant => true})]),
         C([#{id => c1}]),
         C([#{start => {?MODULE, start_worker, [c1, A, normal]}}])
     end},
     {sup_bad_flags, fun() ->
         trap(true),
         lists:foreach(fun(Flags) ->
             log([a, start_link, supervisor:start_link(?MODULE, {sup, Flags, []})]),
             settle(),
             log([a, got, poll()])
           end, [#{strategy => bogus}, #{intensity => -1}, #{period => 0},
                 #{auto_shutdown => bogus}])
     end},
     {sup_stop_via_gen_server_stop, fun() ->
         trap(true),
         A = self(),
         Sup = start_sup_link(#{}, [wspec(c1, A), wspec(c2, A)]),
         reports(),
         log([a, stop, gen_server:stop(Sup)]),
         reports(),
         log([a, got, next()])
     end},
     {sup_auto_shutdown, fun() ->
         trap(true),
         A = self(),
         Sup1 = nm(element(2, supervisor:start_link(?MODULE, {sup,
                    #{auto_shutdown => any_significant},
                    [wspec(c1, A), wspec(c2, A, #{restart => transient, significant => true})]})),
                   sup1),
         reports(),
         c2 ! {crash, normal},
         reports(),
         log([a, got, next()]),
         Sup2 = nm(element(2, supervisor:start_link(?MODULE, {sup,
                    #{auto_shutdown => all_significant},
                    [wspec(c1, A, #{restart => temporary, significant => true}),
                     wspec(c2, A, #{restart => transient, significant => true}),
                     wspec(c3, A)]})),
                   sup2),
         reports(),
         c1 ! {crash, boom},
         reports(),
         log([sup2, kids, kids(Sup2)]),
         c2 ! {crash, shutdown},
         reports(),
         log([a, got, next()]),
         log([a, got, poll()]),
         Sup1, Sup2
     end},
     {sup_no_restart_leaves_siblings_alone, fun() ->
         %% a child that is not restarted does not trigger the strategy
         trap(true),
         A = self(),
         Sup1 = nm(start_sup_link(#{strategy => one_for_all},
                 [wspec(c1, A), wspec(c2, A, #{restart => transient}), wspec(c3, A)]), sup1),
         reports(),
         c2 ! {crash, normal},
         reports(),
         log([sup1, kids, kids(Sup1)]),
         stop_sup(Sup1),
         Sup2 = nm(start_sup_link(#{strategy => rest_for_one},
                 [wspec(c1, A), wspec(c2, A, #{restart => temporary}), wspec(c3, A)]), sup2),
         reports(),
         c2 ! {crash, boom},
         reports(),
         log([sup2, kids, kids(Sup2)]),
         stop_sup(Sup2)
     end},
     {sup_dynamic_children_order, fun() ->
         trap(true),
         A = self(),
         Sup = start_sup_link(#{}, [wspec(c1, A)]),
         reports(),
         {ok, _} = supervisor:start_child(Sup, wspec(c2, A, #{mode => stubborn, shutdown => 50})),
         {ok, _} = supervisor:start_child(Sup, wspec(c3, A)),
         reports(),
         log([sup, kids, kids(Sup)]),
         nm(monitor(process, nm(whereis(c2), c2)), m2),
         log([a, terminate_child, supervisor:terminate_child(Sup, c2)]),
         reports(),
         log([a, got, next()]),
         log([a, restart_child, element(1, supervisor:restart_child(Sup, c2))]),
         reports(),
         stop_sup(Sup)
     end},
     {gs_stop_linked_nontrapping, fun() ->
         %% stopping a linked server with an abnormal reason takes the caller along
         {ok, S} = gen_server:start_link(?MODULE, gs(ok), []),
         nm(S, s),
         log([a, stopping]),
         gen_server:stop(S, boom, infinity),
         log([a, not_reached])
     end}
    ].
