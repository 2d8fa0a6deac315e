#!/usr/bin/env escript
%% -*- erlang -*-
%%! +S 1 -noshell
%%
%% Erlang half of the hot-upgrade differential tests (items 90-95): sys
%% suspend/resume/get_state/replace_state/change_code on gen_servers, and the
%% code server's two-version rule for plain processes. The labrt twins are in
%% scenarios_upgrade.py, one per scenario, same names.
%%
%% Same runner and output format as beam_scenarios.escript (see its header):
%% one "=== name" section per scenario, role names for pids and refs, {R,Stack}
%% printed as R, "=== end N" at the end.
%%
%% Module versions are compiled at run time from source strings (load/3), so
%% each scenario is self-contained. Every module gets an explicit -vsn(N); the
%% scenario logs the vsn of the code that is current after a load, which is
%% what the labrt side reads from the class's `vsn` attribute. Each scenario
%% uses its own module names, because all scenarios share one VM.
%%
%% Run: escript beam_upgrade.escript [name ...]   (no names = all)

-mode(compile).

main(Args) ->
    logger:set_primary_config(level, none),
    Wanted = [list_to_atom(A) || A <- Args],
    Run = [S || {Name, _} = S <- scenarios(), Wanted == [] orelse lists:member(Name, Wanted)],
    lists:foreach(fun({Name, Fun}) -> run(Name, Fun) end, Run),
    io:format("=== end ~w~n", [length(Run)]),
    halt(0).

%% ---------------------------------------------------------------- runner
%% (a copy of beam_scenarios.escript's runner, so the two files stay independent)

run(Name, Fun) ->
    Self = self(),
    {Pid, Ref} = spawn_monitor(fun() -> put(collector, Self), Fun() end),
    {Lines, Names} = collect(Pid, Ref, #{Pid => a}, []),
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
    norm(R, Names);
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

poll() -> receive M -> M after 0 -> timeout end.

%% log every {report, Line} that arrives until 30 ms pass without one
reports() ->
    receive {report, L} -> log(L), reports()
    after 30 -> ok
    end.

%% wait until P has at least N messages queued (P is suspended)
wait_queued(P, N) ->
    case process_info(P, message_queue_len) of
        {message_queue_len, L} when L >= N -> ok;
        _ -> timer:sleep(1), wait_queued(P, N)
    end.

%% Compile Body as version Vsn of module Mod and load it (code:load_binary
%% purges the old version first, killing processes still in it). Returns the
%% vsn of the code that is now current.
load(Mod, Vsn, Body) ->
    Src = lists:flatten(io_lib:format(
        "-module(~w).~n-vsn(~w).~n-compile([export_all, nowarn_export_all]).~n~s",
        [Mod, Vsn, Body])),
    {ok, Toks, _} = erl_scan:string(Src),
    Forms = [begin {ok, F} = erl_parse:parse_form(Fs), F end || Fs <- split_forms(Toks)],
    {ok, Mod, Bin} = compile:forms(Forms, [binary, return_errors]),
    {module, Mod} = code:load_binary(Mod, atom_to_list(Mod) ++ ".erl", Bin),
    [V] = proplists:get_value(vsn, Mod:module_info(attributes)),
    V.

split_forms([]) -> [];
split_forms(Toks) ->
    {Form, [Dot | Rest]} = lists:splitwith(fun(T) -> element(1, T) =/= dot end, Toks),
    [Form ++ [Dot] | split_forms(Rest)].

loaded(Mod, Vsn, Body) -> log([a, loaded, Mod, load(Mod, Vsn, Body)]).

%% ping a looping process; log its {pong, P, Vsn}
ping(P) ->
    P ! {ping, self()},
    receive {pong, P, _} = M -> log([a, got, M]) end.

down(M) ->
    receive {'DOWN', M, _, _, _} = D -> log([a, got, D]) after 1000 -> log([a, got, nothing]) end.

%% ---------------------------------------------------------------- module sources

%% a server that records what it handled, in order, and reports each message
-define(RECORDER,
    "init(Obs) -> {ok, {Obs, []}}.
     handle_call(get, _From, S) -> {reply, S, S};
     handle_call({add, X}, _From, {Obs, L}) ->
         Obs ! {report, [s, call, X]}, {reply, {added, X}, {Obs, [X | L]}}.
     handle_cast({add, X}, {Obs, L}) ->
         Obs ! {report, [s, cast, X]}, {noreply, {Obs, [X | L]}}.
     handle_info(X, {Obs, L}) ->
         Obs ! {report, [s, info, X]}, {noreply, {Obs, [X | L]}}.").

%% a counter whose state is a number
-define(NUMBER,
    "init(N) -> {ok, N}.
     handle_call(get, _From, N) -> {reply, N, N}.
     handle_cast(inc, N) -> {noreply, N + 1}.").

%% v1 of a counter: state {Obs, N}
-define(COUNTER_V1,
    "init(Obs) -> {ok, {Obs, 0}}.
     handle_call(get, _From, {Obs, N}) -> {reply, {v1, N}, {Obs, N}}.
     handle_cast(inc, {Obs, N}) ->
         Obs ! {report, [s, v1, inc, N]}, {noreply, {Obs, N + 1}}.").

%% v2: state {Obs, N, Step}; code_change converts both ways
-define(COUNTER_V2,
    "init(Obs) -> {ok, {Obs, 0, 1}}.
     handle_call(get, _From, {Obs, N, Step}) -> {reply, {v2, N, Step}, {Obs, N, Step}}.
     handle_cast(inc, {Obs, N, Step}) ->
         Obs ! {report, [s, v2, inc, N]}, {noreply, {Obs, N + Step, Step}}.
     code_change(1, {Obs, N}, Step) ->
         Obs ! {report, [s, v2, code_change, 1, N, Step]}, {ok, {Obs, N, Step}};
     code_change({down, 1}, {Obs, N, Step}, Extra) ->
         Obs ! {report, [s, v2, code_change, {down, 1}, N, Step, Extra]}, {ok, {Obs, N}}.").

%% code_change's outcome chosen by Extra
-define(CHANGE_CODE_CASES,
    "init(N) -> {ok, N}.
     handle_call(get, _From, N) -> {reply, N, N}.
     code_change(_Old, _N, refuse) -> {error, nope};
     code_change(_Old, N, {crash, D}) -> {ok, N div D};
     code_change(_Old, _N, {exit, R}) -> exit(R);
     code_change(_Old, _N, {throw, T}) -> throw(T);
     code_change(_Old, N, Extra) -> {ok, {N, Extra}}.").

%% naive upgrade: v1 keeps a list, v2 a count
-define(LIST_V1,
    "init(_) -> {ok, []}.
     handle_call(get, _From, L) -> {reply, {v1, L}, L}.
     handle_cast({add, X}, L) -> {noreply, [X | L]}.").
-define(COUNT_V2,
    "init(_) -> {ok, 0}.
     handle_call(get, _From, N) -> {reply, {v2, N}, N}.
     handle_cast({add, _}, N) -> {noreply, N + 1}.").

%% a trapping server that reports casts and terminate
-define(TRAPPER,
    "init(Obs) -> process_flag(trap_exit, true), {ok, Obs}.
     handle_cast(X, Obs) -> Obs ! {report, [s, cast, X]}, {noreply, Obs}.
     terminate(R, Obs) -> Obs ! {report, [s, terminate, R]}.").

%% plain processes answering {ping, From} with {pong, self(), Vsn}: one loops
%% with a fully qualified call (Mod:f()), the other with a local call
loopers(Mod, V) -> io_lib:format(
    "remote_loop() ->
         receive {ping, From} -> From ! {pong, self(), ~w}, ~w:remote_loop() end.
     local_loop() ->
         receive {ping, From} -> From ! {pong, self(), ~w}, local_loop() end.",
    [V, Mod, V]).

%% a local loop that waits for `go` inside a non-tail fully qualified call
returner(Mod, V) -> io_lib:format(
    "start(A) -> A ! {ready, self(), ~w}, local_loop(A).
     local_loop(A) ->
         receive go -> R = ~w:wait_go(A), A ! {back, self(), R, ~w}, local_loop(A) end.
     wait_go(A) -> A ! {waiting, self(), ~w}, receive go -> ~w end.",
    [V, Mod, V, V, V]).

%% ---------------------------------------------------------------- scenarios

scenarios() ->
    [
     %% item 90: a suspended server answers only system messages; calls time
     %% out; calls, casts and other messages are handled in order after resume
     {sys_suspend_queues_in_order, fun() ->
         A = self(),
         loaded(upg_rec, 1, ?RECORDER),
         {ok, S} = gen_server:start(upg_rec, A, []), nm(S, s),
         log([a, suspend, sys:suspend(S)]),
         gen_server:cast(S, {add, c1}),
         log([a, call, t(fun() -> gen_server:call(S, {add, k1}, 50) end)]),
         S ! i1,
         nm(spawn(fun() -> A ! {c, gen_server:call(S, {add, k2})} end), c),
         wait_queued(S, 4),
         gen_server:cast(S, {add, c3}),
         log([a, state, sys:get_state(S)]),
         reports(),
         log([a, resume, sys:resume(S)]),
         reports(),
         log([a, got, receive {c, R} -> R end]),
         log([a, got, poll()]),
         log([a, state, sys:get_state(S)])
     end},

     %% item 92: get_state and replace_state while suspended; a crashing fun
     %% raises callback_failed and leaves the state as it was
     {sys_state_while_suspended, fun() ->
         loaded(upg_num, 1, ?NUMBER),
         {ok, S} = gen_server:start(upg_num, 10, []), nm(S, s),
         log([a, suspend, sys:suspend(S)]),
         gen_server:cast(S, inc),
         log([a, state, sys:get_state(S)]),
         log([a, replace, sys:replace_state(S, fun(N) -> N * 2 end)]),
         log([a, state, sys:get_state(S)]),
         {Class, Reason} = t(fun() -> sys:replace_state(S, fun(N) -> N div 0 end) end),
         log([a, replace, crash, Class, element(1, Reason)]),
         log([a, state, sys:get_state(S)]),
         log([a, resume, sys:resume(S)]),
         log([a, call, gen_server:call(S, get)])
     end},

     %% item 92: the exact callback_failed reason: {Class, Reason} of the crash
     {sys_replace_state_crash_reason, fun() ->
         loaded(upg_num2, 1, ?NUMBER),
         {ok, S} = gen_server:start(upg_num2, 1, []), nm(S, s),
         log([a, replace, error, t(fun() -> sys:replace_state(S, fun(N) -> N div 0 end) end)]),
         log([a, replace, throw, t(fun() -> sys:replace_state(S, fun(_) -> throw(fail) end) end)]),
         log([s, alive, is_process_alive(S)]),
         log([a, state, t(fun() -> sys:get_state(S) end)])
     end},
     %% item 92: a replace fun that exits is a failed callback too; the
     %% server survives
     {sys_replace_state_fun_exits, fun() ->
         loaded(upg_num3, 1, ?NUMBER),
         {ok, S} = gen_server:start(upg_num3, 1, []), nm(S, s),
         log([a, replace, exit, t(fun() -> sys:replace_state(S, fun(_) -> exit(bye) end) end)]),
         log([s, alive, is_process_alive(S)]),
         log([a, state, t(fun() -> sys:get_state(S) end)])
     end},

     %% items 91, 93: suspend, load, change_code, resume; queued messages meet
     %% the new code and the new state. Then a downgrade: change_code with
     %% {down,1} runs in the newer code before the older one is loaded again
     {sys_change_code_upgrade_downgrade, fun() ->
         loaded(upg_cnt, 1, ?COUNTER_V1),
         {ok, S} = gen_server:start(upg_cnt, self(), []), nm(S, s),
         gen_server:cast(S, inc),
         log([a, call, gen_server:call(S, get)]),
         reports(),
         log([a, suspend, sys:suspend(S)]),
         gen_server:cast(S, inc),
         loaded(upg_cnt, 2, ?COUNTER_V2),
         log([a, change_code, sys:change_code(S, upg_cnt, 1, 10)]),
         reports(),
         log([a, state, sys:get_state(S)]),
         log([a, resume, sys:resume(S)]),
         log([a, call, gen_server:call(S, get)]),
         reports(),
         log([a, suspend, sys:suspend(S)]),
         gen_server:cast(S, inc),
         log([a, change_code, sys:change_code(S, upg_cnt, {down, 1}, back)]),
         reports(),
         loaded(upg_cnt, 1, ?COUNTER_V1),
         log([a, resume, sys:resume(S)]),
         log([a, call, gen_server:call(S, get)]),
         reports(),
         log([s, alive, is_process_alive(S)])
     end},

     %% item 91: change_code on a running server, and code_change returning
     %% {error,R}, crashing, exiting and throwing
     {sys_change_code_results, fun() ->
         loaded(upg_cc, 1, ?CHANGE_CODE_CASES),
         {ok, S} = gen_server:start(upg_cc, 5, []), nm(S, s),
         log([a, change_code, running, sys:change_code(S, upg_cc, 1, x)]),
         log([a, state, sys:get_state(S)]),
         log([a, suspend, sys:suspend(S)]),
         log([a, change_code, refuse, sys:change_code(S, upg_cc, 1, refuse)]),
         log([a, change_code, crash, sys:change_code(S, upg_cc, 1, {crash, 0})]),
         log([a, change_code, exit, sys:change_code(S, upg_cc, 1, {exit, bye})]),
         log([a, change_code, throw, sys:change_code(S, upg_cc, 1, {throw, oops})]),
         log([a, state, sys:get_state(S)]),
         log([a, change_code, throw_ok, sys:change_code(S, upg_cc, 1, {throw, {ok, 7}})]),
         log([a, state, sys:get_state(S)]),
         log([a, change_code, ok, sys:change_code(S, upg_cc, {down, 0}, y)]),
         log([a, state, sys:get_state(S)]),
         log([a, resume, sys:resume(S)]),
         log([a, call, gen_server:call(S, get)]),
         log([a, change_code, resumed, sys:change_code(S, upg_cc, 1, z)])
     end},

     %% item 91 (gen_server_SUITE undef_code_change): code_change is optional,
     %% but change_code on a module without it fails with undef; the server
     %% lives on with its state
     {sys_change_code_missing_callback, fun() ->
         loaded(upg_ncc, 1, ?NUMBER),
         {ok, S} = gen_server:start(upg_ncc, 5, []), nm(S, s),
         log([a, suspend, sys:suspend(S)]),
         log([a, change_code, sys:change_code(S, upg_ncc, 1, x)]),
         log([a, state, sys:get_state(S)]),
         log([a, resume, sys:resume(S)]),
         log([s, alive, is_process_alive(S)])
     end},

     %% item 93: new code loaded without change_code: the next callback is the
     %% new code, run on the old state, and it crashes
     {upgrade_naive_no_change_code, fun() ->
         loaded(upg_nv, 1, ?LIST_V1),
         {ok, S} = gen_server:start(upg_nv, [], []), nm(S, s),
         M = nm(monitor(process, S), m1),
         gen_server:cast(S, {add, x}),
         gen_server:cast(S, {add, y}),
         log([a, call, gen_server:call(S, get)]),
         loaded(upg_nv, 2, ?COUNT_V2),
         log([a, call, gen_server:call(S, get)]),
         gen_server:cast(S, {add, z}),
         down(M)
     end},

     %% item 90 with item 86: a suspended, trapping server still ends on its
     %% parent's EXIT (terminate runs); the queued cast is never handled
     {sys_suspended_parent_exit, fun() ->
         trap(true),
         loaded(upg_px, 1, ?TRAPPER),
         {ok, S} = gen_server:start_link(upg_px, self(), []), nm(S, s),
         log([a, suspend, sys:suspend(S)]),
         gen_server:cast(S, hello),
         exit(S, shutdown),
         receive {'EXIT', S, R} -> reports(), log([a, got, {'EXIT', S, R}]) end
     end},

     %% item 94: a fully qualified loop moves to the new version at its next
     %% iteration; a local loop stays in the old one
     {code_qualified_vs_local_loop, fun() ->
         loaded(upg_lp, 1, loopers(upg_lp, 1)),
         R = nm(spawn(upg_lp, remote_loop, []), r),
         L = nm(spawn(upg_lp, local_loop, []), l),
         ping(R), ping(L),
         loaded(upg_lp, 2, loopers(upg_lp, 2)),
         ping(R), ping(R), ping(L), ping(L),
         log([a, soft_purge, code:soft_purge(upg_lp)]),
         log([a, alive, is_process_alive(R), is_process_alive(L)]),
         ping(L)
     end},

     %% item 95: a third version purges the oldest and kills its processes;
     %% a qualified looper that never looped again dies too
     {code_third_version_kills_old, fun() ->
         loaded(upg_tv, 1, loopers(upg_tv, 1)),
         R = nm(spawn(upg_tv, remote_loop, []), r),
         L = nm(spawn(upg_tv, local_loop, []), l),
         MR = nm(monitor(process, R), mr),
         ML = nm(monitor(process, L), ml),
         ping(R), ping(L),
         loaded(upg_tv, 2, loopers(upg_tv, 2)),
         ping(R), ping(R), ping(L),
         loaded(upg_tv, 3, loopers(upg_tv, 3)),
         down(ML),
         ping(R), ping(R),
         loaded(upg_tv, 4, loopers(upg_tv, 4)),
         log([a, alive, is_process_alive(R)]),
         loaded(upg_tv, 5, loopers(upg_tv, 5)),
         down(MR),
         log([a, got, poll()])
     end},

     %% item 95: soft_purge refuses while old code is in use, purge kills
     {code_purge_and_soft_purge, fun() ->
         log([a, unloaded, code:soft_purge(upg_pg), code:purge(upg_pg)]),
         loaded(upg_pg, 1, loopers(upg_pg, 1)),
         L = nm(spawn(upg_pg, local_loop, []), l),
         ML = nm(monitor(process, L), ml),
         ping(L),
         log([a, no_old, code:soft_purge(upg_pg), code:purge(upg_pg)]),
         loaded(upg_pg, 2, loopers(upg_pg, 2)),
         log([a, soft_purge, code:soft_purge(upg_pg)]),
         ping(L),
         log([a, purge, code:purge(upg_pg)]),
         down(ML),
         log([a, purge, code:purge(upg_pg)]),
         log([a, soft_purge, code:soft_purge(upg_pg)]),
         loaded(upg_pg, 3, loopers(upg_pg, 3)),
         log([a, unused_old, code:purge(upg_pg)]),
         loaded(upg_pg, 4, loopers(upg_pg, 4)),
         log([a, unused_old, code:soft_purge(upg_pg)]),
         log([a, got, poll()])
     end},

     %% items 94-95: a return address into old code counts as running it, so a
     %% process waiting inside a non-tail qualified call dies with its caller's
     %% version
     {code_return_address_in_old_code, fun() ->
         A = self(),
         loaded(upg_ra, 1, returner(upg_ra, 1)),
         P = nm(spawn(upg_ra, start, [A]), p),
         MP = nm(monitor(process, P), mp),
         log([a, got, receive {ready, P, _} = Ready -> Ready end]),
         loaded(upg_ra, 2, returner(upg_ra, 2)),
         P ! go,
         log([a, got, receive {waiting, P, _} = W -> W end]),
         loaded(upg_ra, 3, returner(upg_ra, 3)),
         log([a, got, receive {'DOWN', MP, _, _, _} = D -> D after 100 -> nothing end]),
         P ! go,
         log([a, got, receive {back, P, _, _} = B -> B after 100 -> nothing end])
     end}
    ].
