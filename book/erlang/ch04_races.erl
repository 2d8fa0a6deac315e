%% ch04_races.erl: book/ch04-links.md, section "Two races the default schedule hides".
%% run: erlc ch04_races.erl && erl -noshell -s ch04_races main -s init stop
%% expect: {trap_after_spawn_link,keeper_died,true}
%% expect: {trap_first,keeper_died,false}
%% expect: {register_after_kill,badarg,true}
%% expect: {register_after_down,badarg,false}
-module(ch04_races).
-export([main/0]).

%% Run F 1000 times; did any run give Result?
seen(Result, F) -> lists:member(Result, [F() || _ <- lists:seq(1, 1000)]).

%% A keeper that sets trap_exit after spawn_link, with erlang:yield() between
%% the two lines: anything that lets the scheduler switch there (a yield, a
%% long computation, a log call) gives the crashed child's signal its chance.
keeper(TrapFirst) ->
    Keeper = fun() ->
        TrapFirst andalso process_flag(trap_exit, true),
        spawn_link(fun() -> exit(boom) end),
        erlang:yield(),
        process_flag(trap_exit, true),
        receive {'EXIT', _, boom} -> ok end
    end,
    {Pid, Ref} = spawn_monitor(Keeper),
    receive {'DOWN', Ref, process, Pid, Why} -> Why =:= boom end.

%% Kill a registered logger and register a new one under the same name:
%% exit/2 only sends a signal, so the old one usually still holds the name.
renew(WaitForDown) ->
    Old = spawn(fun() -> receive _ -> ok end end),
    register(log, Old),
    Ref = monitor(process, Old),
    exit(Old, kill),
    WaitForDown andalso receive {'DOWN', Ref, process, Old, _} -> true end,
    New = spawn(fun() -> receive _ -> ok end end),
    Result = try register(log, New) catch error:badarg -> badarg end,
    exit(New, kill),
    receive {'DOWN', Ref, process, Old, _} -> ok after 0 -> ok end,
    wait_until_free(log),
    Result.

wait_until_free(Name) ->
    case whereis(Name) of undefined -> ok; _ -> erlang:yield(), wait_until_free(Name) end.

main() ->
    io:format("~p~n", [{trap_after_spawn_link, keeper_died, seen(true, fun() -> keeper(false) end)}]),
    io:format("~p~n", [{trap_first, keeper_died, seen(true, fun() -> keeper(true) end)}]),
    io:format("~p~n", [{register_after_kill, badarg, seen(badarg, fun() -> renew(false) end)}]),
    io:format("~p~n", [{register_after_down, badarg, seen(badarg, fun() -> renew(true) end)}]).
