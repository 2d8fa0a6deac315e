%% An agent on a real Erlang node, driven by a labrt test over the wire.
%% The test sends {From, Command} to the registered process `agent`; the agent
%% does what it is asked on the BEAM side and answers {agent, Result}.
%% The module is also a tiny gen_server (`ekv`), for calls in both directions.
-module(labrt_agent).
-behaviour(gen_server).
-export([start/0, agent/0, watcher/2, waiter/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

start() ->
    register(agent, spawn(fun agent/0)),
    {ok, _} = gen_server:start({local, ekv}, ?MODULE, #{}, []),
    io:format("labrt_agent ready~n"),
    ok.

agent() ->
    receive
        {From, Cmd} -> From ! {agent, catch run(Cmd, From)}
    end,
    agent().

run({echo, X}, _) -> X;
run({watch_link, Pid}, From) -> spawn(?MODULE, watcher, [{link, Pid}, From]);
run({watch_monitor, Target}, From) -> spawn(?MODULE, watcher, [{monitor, Target}, From]);
run({watch_node, Node}, From) -> spawn(?MODULE, watcher, [{node, Node}, From]);
run(waiter, _) -> spawn(?MODULE, waiter, []);
run(watch_nodes, From) -> spawn(?MODULE, watcher, [nodes, From]);
run({call, Dest, Req}, _) ->
    try gen_server:call(Dest, Req, 3000) catch exit:R -> {'EXIT', R} end;
run({send, Dest, Msg}, _) -> Dest ! Msg, ok;
run({exit, Pid, Reason}, _) -> exit(Pid, Reason), ok;
run(nodes, _) -> lists:sort(nodes());
run({ping, Node}, _) -> net_adm:ping(Node);
run({disconnect, Node}, _) -> erlang:disconnect_node(Node);
run({rpc, Node, M, F, A}, _) -> rpc:call(Node, M, F, A, 3000);
run({spawn_on, Node}, _) ->
    try spawn(Node, erlang, self, []) of P -> {spawned, is_pid(P)} catch C:R -> {C, R} end;
run({erpc, Node, M, F, A}, _) ->
    try erpc:call(Node, M, F, A, 3000) of V -> {value, V} catch C:R -> {C, R} end;
run({spawn_watch, Node, M, F, A}, _) ->
    %% spawn/4 then a monitor: what a BEAM caller sees of a remote spawn.
    P = spawn(Node, M, F, A),
    Ref = erlang:monitor(process, P),
    receive {'DOWN', Ref, process, _, Reason} -> {down, node(P) =:= Node, Reason}
    after 2000 -> {alive, node(P) =:= Node}
    end;
run(global_known, _) -> lists:sort(gen_server:call(global_name_server, get_known));
run({set_lock, Id, Nodes}, _) -> global:set_lock(Id, Nodes, 0);
run({lock_holder, Id, Nodes}, _) ->
    %% A process that takes a global lock (no retries) and holds it until {die, R}.
    Me = self(),
    P = spawn(fun() -> Me ! {self(), global:set_lock(Id, Nodes, 0)}, waiter() end),
    receive {P, Got} -> {P, Got} after 5000 -> timeout end;
run({register_global, Name}, _) -> global:register_name(Name, spawn(?MODULE, waiter, []));
run({whereis_global, Name}, _) -> global:whereis_name(Name);
run({spawn_request, Node, M, F, A}, _) ->
    %% erlang:spawn_request/5 (OTP 23): the reply says why a spawn failed.
    Ref = erlang:spawn_request(Node, M, F, A, [monitor]),
    receive
        {spawn_reply, Ref, ok, _P} ->
            receive {'DOWN', Ref, process, _, R} -> {ok, R} after 2000 -> {ok, alive} end;
        {spawn_reply, Ref, error, Why} -> {error, Why}
    after 3000 -> timeout
    end.

%% A process that links to, monitors or watches the node of its target and tells
%% From everything it hears, as {seen, self(), Msg}.
watcher(How, From) ->
    process_flag(trap_exit, true),
    case How of
        {link, Pid} -> link(Pid);
        {monitor, Target} -> erlang:monitor(process, Target);
        {node, Node} -> monitor_node(Node, true);
        nodes -> ok = net_kernel:monitor_nodes(true, [nodedown_reason])
    end,
    From ! {ready, self()},
    forward(From).

forward(From) ->
    receive
        {die, Reason} -> exit(Reason);
        Msg -> From ! {seen, self(), Msg}, forward(From)
    end.

%% A process that waits, then exits with the reason it is told.
waiter() ->
    receive {die, Reason} -> exit(Reason) end.

init(Map) -> {ok, Map}.
handle_call({put, K, V}, _From, M) -> {reply, ok, M#{K => V}};
handle_call({get, K}, _From, M) -> {reply, maps:get(K, M, undefined), M};
handle_call(crash, _From, _M) -> error(asked_to_crash).
handle_cast(_, M) -> {noreply, M}.
handle_info(_, M) -> {noreply, M}.
