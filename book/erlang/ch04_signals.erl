%% ch04_signals.erl: book/ch04-links.md, box "In Erlang" (exit reasons and signals).
%% run: erlc ch04_signals.erl && erl -noshell -s ch04_signals main -s init stop
%% expect: {returns,normal}
%% expect: {exit,tired}
%% expect: {error,badarith,stacktrace}
%% expect: {throw,{nocatch,oops},stacktrace}
%% expect: {trapping_link_gets,kill}
%% expect: {non_trapping_link_dies_with,kill}
%% expect: {unlinked_target_dies_with,bye}
%% expect: {trapping_target_gets,{'EXIT',from_sender,bye}}
-module(ch04_signals).
-export([main/0]).

%% The exit reason of a process running F.
reason(F) -> reason_of(spawn(F)).

reason_of(Pid) ->
    Ref = monitor(process, Pid),
    receive {'DOWN', Ref, process, Pid, Why} -> Why end.

zero() -> 0.
p(Term) -> io:format("~p~n", [Term]).

main() ->
    process_flag(trap_exit, true),
    logger:set_primary_config(level, none),    % no crash reports
    %% How a process ends decides its exit reason.
    p({returns, reason(fun() -> 42 end)}),
    p({exit, reason(fun() -> exit(tired) end)}),
    {badarith, [_ | _]} = E = reason(fun() -> 1 / zero() end),
    p({error, element(1, E), stacktrace}),          % {Reason, Stacktrace}
    {{nocatch, oops}, [_ | _]} = T = reason(fun() -> throw(oops) end),
    p({throw, element(1, T), stacktrace}),          % {{nocatch, T}, Stack}
    %% A process that itself exits with reason kill: its links get a
    %% trappable kill, not killed.
    KillSelf = fun() -> timer:sleep(10), exit(kill) end,
    P1 = spawn_link(KillSelf),
    receive {'EXIT', P1, R1} -> p({trapping_link_gets, R1}) end,
    Bystander = spawn(fun() -> spawn_link(KillSelf), receive _ -> ok end end),
    p({non_trapping_link_dies_with, reason_of(Bystander)}),
    %% exit(Pid, R) needs no link.
    Quiet = spawn(fun() -> receive _ -> ok end end),
    Ref = monitor(process, Quiet),
    exit(Quiet, bye),
    receive {'DOWN', Ref, _, _, R2} -> p({unlinked_target_dies_with, R2}) end,
    Me = self(),
    Trapper = spawn(fun() -> process_flag(trap_exit, true),
                             receive {'EXIT', Me, Why} ->
                                 Me ! {'EXIT', from_sender, Why}
                             end end),
    timer:sleep(10),
    exit(Trapper, bye),
    receive Msg -> p({trapping_target_gets, Msg}) end.
