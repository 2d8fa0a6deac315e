%% The BEAM peer of the live differential tests (tests/differential_live/).
%%
%% A real `erl -sname b@localhost` node runs this module; the scenario's main
%% process, on a labrt node `a`, asks it to do what the simulated twins do with
%% a remote spawn (start a server, a process that exits on `go`, a kv
%% gen_server) by sending {From, Command} to the registered process `agent`,
%% which answers {agent, Result}.  tests/differential_live/agent.py is the
%% same agent for a labrt peer, command for command.
%%
%% `reset` (before every scenario) kills every process the agent started and
%% waits for each to be gone, so the names it registered are free again, and
%% drops every connection except the one to the asker.
-module(live_agent).
-behaviour(gen_server).
-export([start/0, srv/2, go_exit/1, idle/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

start() ->
    Agent = spawn(fun() -> agent([]) end),
    register(agent, Agent),
    io:format("live_agent ready~n"),
    ok.

agent(Started) ->
    receive
        {From, reset_again} when is_pid(From) ->
            [erlang:disconnect_node(N) || N <- nodes(), N =/= node(From)],
            From ! {agent, ok},
            agent(Started);
        {From, reset} when is_pid(From) ->
            Refs = [erlang:monitor(process, P) || P <- Started],
            [exit(P, kill) || P <- Started],
            [receive {'DOWN', R, process, _, _} -> ok end || R <- Refs],
            [erlang:disconnect_node(N) || N <- nodes(), N =/= node(From)],
            From ! {agent, ok},
            agent([]);
        {From, arm} when is_pid(From) ->          % (labrt's agent: connect_all on)
            From ! {agent, ok},
            agent(Started);
        {From, Cmd} when is_pid(From) ->
            {Reply, New} = try run(Cmd, From) catch C:R -> {{C, R}, []} end,
            From ! {agent, Reply},
            agent(New ++ Started);
        _ ->
            agent(Started)
    end.

run({start_srv, Name, Trap}, _) ->
    P = spawn(?MODULE, srv, [Trap, self()]),
    receive {P, trapping} -> ok end,
    [register(Name, P) || Name =/= none],
    {P, [P]};
run({go_exit, Reason}, _) -> P = spawn(?MODULE, go_exit, [Reason]), {P, [P]};
run(idle, _) -> P = spawn(?MODULE, idle, []), {P, [P]};
run(start_kv, _) ->
    {ok, P} = gen_server:start({local, kv}, ?MODULE, 0, []),
    {P, [P]};
run({call, Dest, Req, T}, _) ->
    {try {ok, gen_server:call(Dest, Req, T)} catch exit:R -> {exit, R} end, []};
run(nodes, _) -> {lists:sort(nodes()), []};
run(node, _) -> {node(), []};
run({hold_global, true}, _) -> {sys:suspend(global_name_server), []};
run({hold_global, false}, _) -> {sys:resume(global_name_server), []};
run({overlap_watcher, Main, Expected}, _) ->
    P = spawn(fun() -> overlap_watcher(Main, Expected) end), {P, [P]};
run({send, Dest, Msg}, _) -> Dest ! Msg, {ok, []};
run({disconnect, Node}, _) -> {erlang:disconnect_node(Node), []}.

%% The scenarios' srv (dist_kit's srv_loop): collects messages, answers
%% report, ping, and exits when told.
srv(Trap, Agent) ->
    process_flag(trap_exit, Trap),
    Agent ! {self(), trapping},
    srv_loop([]).

srv_loop(Acc) ->
    receive
        {report, From} -> From ! {srv_got, lists:reverse(Acc)}, srv_loop([]);
        {ping, From} -> From ! {pong, node()}, srv_loop(Acc);
        {exit, Reason} -> exit(Reason);
        M -> srv_loop([M | Acc])
    end.

go_exit(Reason) -> receive go -> exit(Reason) end.

%% disconnect_overlapping's watcher on c: ready, go, a second, then what it saw.
overlap_watcher(Main, Expected) ->
    wait_nodes(Expected, 300),
    ok = net_kernel:monitor_nodes(true),
    Main ! {c_ready, lists:sort(nodes())},
    receive go -> ok end,
    timer:sleep(1000),
    Main ! {c_saw, take_all(), lists:sort(nodes())}.

wait_nodes(_, 0) -> ok;
wait_nodes(Expected, N) ->
    case lists:sort(nodes()) of
        Expected -> ok;
        _ -> timer:sleep(10), wait_nodes(Expected, N - 1)
    end.

take_all() -> receive M -> [M | take_all()] after 0 -> [] end.
idle() -> receive never_sent -> ok end.

%% kv, the gen_server of the call scenarios (dist_kit's).
init(State) -> {ok, State}.
handle_call(ping, _From, S) -> {reply, {pong, node()}, S};
handle_call(crash, _From, S) -> {reply, divide(1, 0), S};
handle_call(count, _From, S) -> {reply, S, S};
handle_call(drop_caller, {Pid, _}, S) ->
    erlang:disconnect_node(node(Pid)),
    {noreply, S}.
handle_cast(incr, S) -> {noreply, S + 1};
handle_cast(_, S) -> {noreply, S}.
handle_info(_, S) -> {noreply, S}.

divide(X, Y) -> X div Y.
