%% Erlang half of the distribution differential tests (tests/differential_dist/).
%%
%% This module is loaded, as a binary compiled by beam_dist.escript, into three
%% peer nodes a@localhost, b@localhost and c@localhost.  A scenario runs on node
%% a as the process <a.main>, in a fresh state: the three nodes are up and no
%% two of them are connected.  x@localhost is a node that never exists.
%%
%% Every scenario has a twin with the same name in scenarios.py, written with
%% labrt's distribution API.  Both sides print the same normalised lines:
%%
%%   - a node atom Role@localhost prints as its role: a, b, c, x;
%%   - a pid prints as <Role.Name>: the role of node(Pid) and the name given
%%     with nm/2 ("?" when it has none), so a process on the wrong node is a
%%     visible difference;
%%   - a ref prints as the name given with nm/2, or '#ref';
%%   - an error reason {R, Stacktrace} prints as R;
%%   - the rest prints as ~w would (maps with their keys sorted).
%%
%% Determinism: only <a.main> logs; other processes report to it by message.
%% Waits are explicit: a reply, a DOWN, a nodedown.  Where several messages
%% from different senders (different processes, different nodes, the runtime's
%% connection teardown) arrive together, their relative order is not specified
%% by Erlang (item 97: "the nodedown is not ordered with other signals from
%% that node"; signals from different senders have no order at all), so
%% drain/1 waits for the expected number of them, lets stragglers land for
%% 100 ms, and logs them sorted as `a drained ...` lines.  Nothing prints a
%% time.
-module(dist_scenarios).
-export([start/2, poll/0, answer/1, cleanup/1, disconnect_all/0, names/0, setup/1, io_sink/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).
-export([exit_with/1, divide/2, sleep_then/2, start_remote_child/1]).

-define(HOST, "localhost").

%% ---------------------------------------------------------------- runner

names() -> [Name || {Name, _} <- scenarios()].

%% Actions the controller performs before the scenario starts (see
%% beam_dist.escript): {connect, From, To} connects two nodes without a.
setup(transitive_existing) -> [{connect, b, c}];
setup(_) -> [].

%% Start one scenario on this node (a).  The controller then polls (poll/0)
%% until it gets {done, FormattedLines, GroupLeader}; meanwhile a poll may
%% return {request, R}, something only the controller can do (restart a
%% node), which it answers with answer/1.  Every process the scenario starts,
%% here or on another node, inherits the group leader G, which is how
%% cleanup/1 finds them afterwards.
start(Name, Roles) ->
    {Name, Fun} = lists:keyfind(Name, 1, scenarios()),
    Ready = make_ref(), Caller = self(),
    spawn(fun() ->
        register(dist_runner, self()),
        Caller ! Ready,
        G = spawn(?MODULE, io_sink, []),
        Self = self(),
        {Pid, Ref} = spawn_monitor(fun() ->
            group_leader(G, self()),
            put(collector, Self),
            put(roles, Roles),
            Fun()
        end),
        {Lines, Names} = collect(Pid, Ref, #{Pid => main}, [], none),
        Out = [L || Item <- Lines, L <- fmt_line(Item, Names)],
        receive {poll, From} -> From ! {dist_poll, {done, Out, G}} end
    end),
    receive Ready -> ok end.

poll() ->
    dist_runner ! {poll, self()},
    receive {dist_poll, X} -> X after 5000 -> no_runner end.

answer(R) -> dist_runner ! {answer, R}, ok.

collect(Pid, Ref, Names, Acc, Req) ->
    receive
        {log, Terms} -> collect(Pid, Ref, Names, [{line, Terms} | Acc], Req);
        {log_sorted, Lines} -> collect(Pid, Ref, Names, [{sorted, Lines} | Acc], Req);
        {name, X, N} -> collect(Pid, Ref, Names#{X => N}, Acc, Req);
        {ctl, R} -> collect(Pid, Ref, Names, Acc, R);
        {poll, From} ->
            From ! {dist_poll, case Req of none -> running; _ -> {request, Req} end},
            collect(Pid, Ref, Names, Acc, Req);
        {answer, R} -> Pid ! {ctl_reply, R}, collect(Pid, Ref, Names, Acc, none);
        {'DOWN', Ref, process, Pid, Why} ->
            {lists:reverse([{line, [a, exit, Why]} | Acc]), Names}
    after 20000 ->
        {lists:reverse([{line, [runner, timeout]} | Acc]), Names}
    end.

fmt_line({line, Terms}, Names) -> [fmt_terms(Terms, Names)];
fmt_line({sorted, Lines}, Names) -> lists:sort([fmt_terms(T, Names) || T <- Lines]).

fmt_terms(Terms, Names) ->
    lists:flatten(lists:join(" ", [fmt(norm(T, Names)) || T <- Terms])).

%% Kill every process of the finished scenario on this node (those whose
%% group leader is G), and G itself.
cleanup(G) ->
    Mine = [P || P <- processes(), P =/= G,
                 process_info(P, group_leader) =:= {group_leader, G}],
    [exit(P, kill) || P <- Mine],
    [exit(G, kill) || node(G) =:= node()],
    length(Mine).

%% Drop every connection of this node (the controller's reset).
disconnect_all() -> [erlang:disconnect_node(N) || N <- nodes(connected)], ok.

%% The scenario's group leader: an io server that answers every request.
io_sink() ->
    receive
        {io_request, From, ReplyAs, _} -> From ! {io_reply, ReplyAs, ok};
        _ -> ok
    end,
    io_sink().

%% ---------------------------------------------------------------- normalising

norm(X, Names) when is_pid(X) ->
    {'$pid', role(node(X)), maps:get(X, Names, '?')};
norm(X, Names) when is_reference(X) -> maps:get(X, Names, '#ref');
norm(X, _) when is_atom(X) -> role(X);
norm({R, [{M, _, _, _} | _] = Stack}, Names) when is_atom(M), is_list(Stack) ->
    norm(R, Names);                      % {Reason, Stacktrace} -> Reason
norm(T, Names) when is_tuple(T) -> list_to_tuple(norm(tuple_to_list(T), Names));
norm(L, Names) when is_list(L) -> [norm(E, Names) || E <- L];
norm(M, Names) when is_map(M) ->
    maps:from_list([{norm(K, Names), norm(V, Names)} || {K, V} <- maps:to_list(M)]);
norm(X, _) -> X.

%% Role@localhost -> Role; any other atom is itself.
role(A) ->
    case string:split(atom_to_list(A), "@") of
        [R, ?HOST] -> list_to_atom(R);
        _ -> A
    end.

fmt({'$pid', R, N}) -> "<" ++ atom_to_list(R) ++ "." ++ atom_to_list(N) ++ ">";
fmt(X) when is_atom(X); is_integer(X) -> io_lib:format("~w", [X]);
fmt(T) when is_tuple(T) -> "{" ++ join([fmt(E) || E <- tuple_to_list(T)]) ++ "}";
fmt(L) when is_list(L) -> "[" ++ join([fmt(E) || E <- L]) ++ "]";
fmt(M) when is_map(M) ->
    KVs = lists:sort([{lists:flatten(fmt(K)), V} || {K, V} <- maps:to_list(M)]),
    "#{" ++ join([K ++ " => " ++ fmt(V) || {K, V} <- KVs]) ++ "}";
fmt(X) -> io_lib:format("'erlang:~w'", [X]).

join(Parts) -> lists:flatten(lists:join(",", Parts)).

%% ---------------------------------------------------------------- helpers

log(Terms) -> get(collector) ! {log, Terms}, ok.
nm(X, Name) -> get(collector) ! {name, X, Name}, X.
nd(Role) -> maps:get(Role, get(roles)).

trap(B) -> process_flag(trap_exit, B).

%% {ok,V} | {error,R} | {exit,R} | {throw,T}
t(F) -> try {ok, F()} catch C:R -> {C, R} end.

next() -> receive M -> M after 3000 -> nothing end.
idle() -> receive never_sent -> ok end.

%% Wait for N messages (5 s at most for each), give stragglers 100 ms, and log every
%% message in the mailbox, sorted (see the module comment).
drain(N) ->
    Got = wait_msgs(N, []),
    timer:sleep(100),
    case Got ++ take_all() of
        [] -> log([a, drained, nothing]);
        Ms -> get(collector) ! {log_sorted, [[a, drained, M] || M <- Ms]}
    end.

wait_msgs(0, Acc) -> lists:reverse(Acc);
wait_msgs(N, Acc) -> receive M -> wait_msgs(N - 1, [M | Acc]) after 5000 -> lists:reverse(Acc) end.

take_all() -> receive M -> [M | take_all()] after 0 -> [] end.

%% A small process to talk to: it reports the messages it got on {report, To},
%% answers {ping, From} with {pong, Node}, and exits on {exit, Reason}.
srv_loop(Acc) ->
    receive
        {report, To} -> To ! {srv_got, lists:reverse(Acc)}, srv_loop([]);
        {ping, From} -> From ! {pong, node()}, srv_loop(Acc);
        {exit, R} -> exit(R);
        M -> srv_loop([M | Acc])
    end.

%% Start a srv_loop process on Node, registered as Name unless Name is none,
%% trapping exits if Trap; wait until it is ready.
start_srv(Node, Name, Trap) ->
    Self = self(),
    P = spawn(Node, fun() ->
            trap(Trap),
            [register(Name, self()) || Name =/= none],
            Self ! {ready, self()},
            srv_loop([])
        end),
    receive {ready, P} -> P after 3000 -> not_ready end.

%% Make sure this node is connected to Node (a remote spawn that answers).
connect(Node) ->
    Self = self(),
    spawn(Node, fun() -> Self ! {connected, node()} end),
    receive {connected, Node} -> ok after 3000 -> not_connected end.

%% Stop Node at once (erlang:halt/0: its processes run no more code and its
%% sockets close), and wait until this node has seen it go.  A helper process
%% does the waiting, so no nodedown reaches the caller from here.
stop_node(Node) ->
    Self = self(),
    spawn(fun() ->
        monitor_node(Node, true),
        spawn(Node, erlang, halt, []),
        receive {nodedown, Node} -> Self ! {stopped, Node} end
    end),
    receive {stopped, Node} -> ok after 5000 -> not_stopped end.

%% Ask the controller to start Node again after stop_node/1 (a fresh node of
%% the same name: a new creation, nothing running, not connected).
restart_node(Node) -> ctl({restart, role(Node)}).

%% Ask the controller to stop (SIGSTOP) or resume (SIGCONT) Node's OS process:
%% while it is stopped it answers nothing, which is a partition as far as the
%% others can tell; they see it go after net_ticktime (2 s on these peers).
freeze_node(Node) -> ctl({freeze, role(Node)}).
thaw_node(Node) -> ctl({thaw, role(Node)}).

ctl(Request) ->
    get(collector) ! {ctl, Request},
    receive {ctl_reply, R} -> R after 30000 -> ctl_timeout end.

%% Wait (3 s at most) until nodes() is Expected; return the sorted nodes().
wait_nodes(Expected) -> wait_nodes(Expected, 300).
wait_nodes(Expected, 0) -> _ = Expected, lists:sort(nodes());
wait_nodes(Expected, N) ->
    case lists:sort(nodes()) of
        Expected -> Expected;
        _ -> timer:sleep(10), wait_nodes(Expected, N - 1)
    end.

on_go_exit(Reason) -> fun() -> receive go -> exit(Reason) end end.

exit_with(R) -> exit(R).
divide(X, Y) -> X div Y.
sleep_then(Ms, V) -> timer:sleep(Ms), V.

%% gen_server callbacks (the kv server of the gen_server scenarios), and the
%% supervisor callback of supervisor_remote_child
init({sup, Node}) ->
    {ok, {#{strategy => one_for_one, intensity => 2, period => 5},
          [#{id => w, start => {?MODULE, start_remote_child, [Node]}}]}};
init(State) -> {ok, State}.
handle_call(ping, _From, S) -> {reply, {pong, node()}, S};
handle_call(crash, _From, S) -> {reply, divide(1, 0), S};
handle_call(count, _From, S) -> {reply, S, S}.
handle_cast(incr, S) -> {noreply, S + 1};
handle_cast(_, S) -> {noreply, S}.
handle_info(_, S) -> {noreply, S}.

%% The supervisor's start function: a child on another node, linked.
start_remote_child(Node) -> {ok, spawn_link(Node, fun idle/0)}.

%% Wait (3 s at most) until the supervisor's child w is a pid other than Old.
wait_child(Sup, Old) -> wait_child(Sup, Old, 300).
wait_child(_, _, 0) -> no_new_child;
wait_child(Sup, Old, N) ->
    case supervisor:which_children(Sup) of
        [{w, P, worker, _}] when is_pid(P), P =/= Old -> P;
        _ -> timer:sleep(10), wait_child(Sup, Old, N - 1)
    end.

start_kv(Node) ->
    Self = self(),
    spawn(Node, fun() ->
        Self ! {started, gen_server:start({local, kv}, ?MODULE, 0, [])}
    end),
    receive {started, {ok, S}} -> S after 3000 -> not_started end.

%% ---------------------------------------------------------------- scenarios

scenarios() ->
    [
     %% item 96: {Name, Node} sends, per-pair order, sends that go nowhere
     {send_name_node_order, fun() ->
         B = nd(b),
         P = nm(start_srv(B, sink, false), sink),
         log([a, send_returns, {sink, B} ! m0]),
         [{sink, B} ! {n, I} || I <- lists:seq(1, 5)],
         P ! {n, 6},                         % by pid: the same connection, in order
         {sink, B} ! {report, self()},
         log([a, got, next()]),
         log([a, send_unregistered, {nosuch, B} ! hello]),
         log([a, send_nonexistent_node, {sink, nd(x)} ! hello]),
         P ! {report, self()},
         log([a, got, next()])
     end},
     {names_per_node, fun() ->
         %% the same name on two nodes names two processes
         B = nd(b), A = node(),
         PA = nm(start_srv(A, srv, false), srv),
         PB = nm(start_srv(B, srv, false), srv),
         log([a, whereis, whereis(srv)]),
         {srv, A} ! to_a,
         {srv, B} ! to_b,
         PA ! {report, self()}, log([a, got, next()]),
         PB ! {report, self()}, log([a, got, next()])
     end},

     %% remote spawn
     {remote_spawn, fun() ->
         B = nd(b), Self = self(),
         log([a, self_node, node(), nodes()]),
         P = nm(spawn(B, fun() -> Self ! {hello, node(), self()} end), p),
         log([a, node_of_p, node(P)]),
         log([a, got, next()]),
         log([a, nodes, lists:sort(nodes())])
     end},
     {remote_spawn_nonexistent_node, fun() ->
         %% a pid comes back anyway; its link and monitor fire noconnection
         trap(true),
         X = nd(x),
         P = nm(spawn(X, fun() -> ok end), p),
         log([a, node_of_p, node(P)]),
         nm(spawn_link(X, fun() -> ok end), l),
         log([a, got, next()]),
         {M, R} = spawn_monitor(X, fun() -> ok end),
         nm(M, m), nm(R, r),
         log([a, got, next()]),
         log([a, nodes, nodes()])
     end},

     %% remote links (item 96, 99)
     {remote_link_exit_normal, fun() ->
         trap(true),
         P = nm(spawn_link(nd(b), on_go_exit(normal)), p),
         P ! go,
         log([a, got, next()])
     end},
     {remote_link_exit_abnormal, fun() ->
         trap(true),
         P = nm(spawn_link(nd(b), on_go_exit(boom)), p),
         P ! go,
         log([a, got, next()])
     end},
     {remote_link_exit_kill, fun() ->
         trap(true),
         P = nm(spawn_link(nd(b), fun idle/0), p),
         log([a, exit_kill, exit(P, kill)]),
         log([a, got, next()])
     end},
     {remote_link_nontrap_abnormal, fun() ->
         %% a does not trap: b's boom takes a down
         P = nm(spawn_link(nd(b), on_go_exit(boom)), p),
         P ! go,
         receive never_sent -> ok after 3000 -> log([a, survived]) end
     end},
     {remote_link_after_spawn, fun() ->
         %% link/1 to a live remote pid, then to a dead one (noproc)
         trap(true),
         B = nd(b),
         P = nm(start_srv(B, none, false), p),
         log([a, link, link(P)]),
         P ! {exit, boom},
         log([a, got, next()]),
         log([a, link_dead, link(P)]),
         log([a, got, next()])
     end},
     {remote_exit_signal, fun() ->
         %% exit/2 across nodes: a trapping process gets {'EXIT', From, R};
         %% kill cannot be trapped and reaches monitors as killed
         B = nd(b),
         P = nm(start_srv(B, none, true), p),
         nm(monitor(process, P), mp),
         log([a, exit, exit(P, why)]),
         P ! {report, self()},
         log([a, got, next()]),
         exit(P, kill),
         log([a, got, next()])
     end},

     %% remote monitors (items 99, 100)
     {remote_monitor_pid, fun() ->
         B = nd(b),
         P = nm(spawn(B, on_go_exit(boom)), p),
         nm(monitor(process, P), m1),
         P ! go,
         log([a, got, next()]),
         nm(monitor(process, P), m2),
         log([a, got, next()]),
         Q = nm(spawn(B, on_go_exit(boom)), q),
         M3 = nm(monitor(process, Q), m3),
         log([a, demonitor, demonitor(M3)]),
         nm(monitor(process, Q), m4),
         Q ! go,
         drain(1)
     end},
     {monitor_name_registered, fun() ->
         B = nd(b),
         nm(start_srv(B, srv, false), srv),
         nm(monitor(process, {srv, B}), m),
         {srv, B} ! {exit, boom},
         log([a, got, next()])
     end},
     {monitor_name_noproc, fun() ->
         %% b is up but not yet connected: the monitor connects, then noproc
         B = nd(b),
         log([a, nodes, nodes()]),
         nm(monitor(process, {nosuch, B}), m),
         log([a, got, next()]),
         log([a, nodes, nodes()])
     end},
     {monitor_name_nonexistent_node, fun() ->
         nm(monitor(process, {srv, nd(x)}), m),
         log([a, got, next()])
     end},
     {monitor_name_node_stops, fun() ->
         B = nd(b),
         nm(start_srv(B, srv, false), srv),
         nm(monitor(process, {srv, B}), m),
         stop_node(B),
         drain(1)
     end},

     %% monitor_node (item 97)
     {monitor_node_stop, fun() ->
         %% not connected yet (monitor_node starts connecting, and nodes()
         %% right after it shows a transient state, so it is not logged);
         %% one nodedown per call
         B = nd(b),
         log([a, monitor_node, monitor_node(B, true)]),
         log([a, monitor_node, monitor_node(B, true)]),
         stop_node(B),
         drain(2)
     end},
     {monitor_node_nonexistent, fun() ->
         X = nd(x),
         log([a, monitor_node, monitor_node(X, true)]),
         log([a, got, next()]),
         log([a, monitor_node, monitor_node(X, true)]),
         log([a, monitor_node, monitor_node(X, true)]),
         drain(2)
     end},
     {monitor_node_off, fun() ->
         %% two instances, one turned off: one nodedown
         B = nd(b),
         connect(B),
         log([a, monitor_node, monitor_node(B, true)]),
         log([a, monitor_node, monitor_node(B, true)]),
         log([a, monitor_node_off, monitor_node(B, false)]),
         stop_node(B),
         drain(1)
     end},
     {monitor_node_disconnect, fun() ->
         B = nd(b),
         connect(B),
         monitor_node(B, true),
         log([a, disconnect, disconnect_node(B)]),
         drain(1),
         %% the fired instance is gone: reconnecting and disconnecting again
         %% gives no second nodedown
         connect(B),
         log([a, disconnect, disconnect_node(B)]),
         drain(0)
     end},

     %% net_kernel:monitor_nodes (item 98)
     {monitor_nodes_plain, fun() ->
         B = nd(b),
         log([a, monitor_nodes, net_kernel:monitor_nodes(true)]),
         connect(B),
         drain(1),
         stop_node(B),
         drain(1),
         log([a, monitor_nodes, net_kernel:monitor_nodes(false)])
     end},
     {monitor_nodes_reason, fun() ->
         %% nodedown_reason: connection_closed when a node stops, disconnect
         %% after disconnect_node
         B = nd(b), C = nd(c),
         Opts = #{nodedown_reason => true},
         log([a, monitor_nodes, net_kernel:monitor_nodes(true, Opts)]),
         connect(B),
         drain(1),
         stop_node(B),
         drain(1),
         connect(C),
         drain(1),
         log([a, disconnect, disconnect_node(C)]),
         drain(1)
     end},

     %% disconnect_node and reconnection (items 99, 101)
     {disconnect_reconnect, fun() ->
         trap(true),
         B = nd(b),
         net_kernel:monitor_nodes(true),
         P = nm(start_srv(B, srv, true), srv),
         drain(1),                            % nodeup
         link(P),
         nm(monitor(process, P), m1),
         %% srv answers after the link and the monitor reached b (same
         %% sender, same receiver: in order), so b's half of the link exists
         %% when the connection goes (signals in flight may be lost, item 101)
         P ! {ping, self()},
         receive {pong, _} -> ok end,
         log([a, disconnect, disconnect_node(B)]),
         drain(3),                            % EXIT, DOWN, nodedown
         log([a, nodes, nodes()]),
         {srv, B} ! {report, self()},         % connects again
         drain(2),                            % nodeup, srv_got (srv saw a's link go)
         log([a, nodes, nodes()]),
         %% m1 fired: it is not re-armed; a new monitor works
         nm(monitor(process, P), m2),
         P ! {exit, boom},
         drain(1)
     end},
     {disconnect_node_results, fun() ->
         B = nd(b),
         log([a, not_connected, disconnect_node(B)]),
         log([a, nonexistent, disconnect_node(nd(x))]),
         connect(B),
         log([a, connected, disconnect_node(B)]),
         log([a, again, disconnect_node(B)]),
         log([a, nodes, nodes()])
     end},

     %% a node stops: noconnection for links and monitors on the survivor (item 99)
     {node_stop_links_noconnection, fun() ->
         trap(true),
         B = nd(b), Self = self(),
         nm(spawn_link(B, fun idle/0), p1),
         nm(spawn_link(B, fun idle/0), p2),
         nm(monitor(process, nm(spawn(B, fun idle/0), p3)), m3),
         %% a local process that does not trap, linked to a process on b
         L = nm(spawn(fun() ->
                 link(spawn(B, fun idle/0)),
                 Self ! linked,
                 idle()
             end), l),
         receive linked -> ok end,
         nm(monitor(process, L), ml),
         stop_node(B),
         drain(4)
     end},
     {two_nodes_stop, fun() ->
         %% EXITs and nodedowns from two nodes: no order between them
         trap(true),
         B = nd(b), C = nd(c),
         net_kernel:monitor_nodes(true),
         nm(spawn_link(B, fun idle/0), pb),
         nm(spawn_link(C, fun idle/0), pc),
         drain(2),                            % nodeup b, nodeup c
         stop_node(B),
         stop_node(C),
         drain(4)
     end},
     {remote_process_alive_after_disconnect, fun() ->
         %% noconnection does not mean the remote process died
         trap(true),
         B = nd(b),
         P = nm(start_srv(B, srv, false), srv),
         nm(monitor(process, P), m),
         disconnect_node(B),
         drain(1),
         P ! {ping, self()},
         log([a, got, next()])
     end},

     {signals_to_stopped_node, fun() ->
         %% after b stopped: sends and exit/2 to its pids do not fail; link and
         %% monitor give noconnection (the node cannot be reached)
         trap(true),
         B = nd(b),
         P = nm(start_srv(B, srv, false), p),
         stop_node(B),
         log([a, send_pid, P ! hi]),
         log([a, send_name, {srv, B} ! hi]),
         log([a, exit, exit(P, kill)]),
         log([a, link, link(P)]),
         log([a, got, next()]),
         nm(monitor(process, P), m1),
         log([a, got, next()]),
         nm(monitor(process, {srv, B}), m2),
         log([a, got, next()]),
         log([a, cast, gen_server:cast({kv, B}, hi)]),
         drain(0)
     end},

     {restart_node, fun() ->
         %% b stops and starts again (a new creation): nodeup on the next
         %% contact, its old names and pids reach nothing
         trap(true),
         B = nd(b),
         net_kernel:monitor_nodes(true),
         P = nm(start_srv(B, srv, false), old),
         drain(1),                            % nodeup
         stop_node(B),
         drain(1),                            % nodedown
         log([a, restart, restart_node(B)]),
         log([a, nodes, nodes()]),
         nm(monitor(process, {srv, B}), m1),  % connects again; no srv there yet
         drain(2),                            % nodeup, DOWN noproc
         nm(monitor(process, P), m2),
         log([a, got, next()]),
         log([a, link_old, link(P)]),
         log([a, got, next()]),
         log([a, send_old, P ! hi]),
         Q = nm(start_srv(B, srv, false), new),
         log([a, same_pid, Q =:= P, node(Q)]),
         Q ! {report, self()},
         log([a, got, next()]),
         drain(0)
     end},

     {partition_tick_timeout, fun() ->
         %% b goes silent (its OS process stopped): a sees net_tick_timeout,
         %% noconnection for its link and monitor; b's process is still alive
         %% and, once b runs again, has seen the link go too
         trap(true),
         B = nd(b),
         P = nm(start_srv(B, srv, true), srv),
         link(P),
         nm(monitor(process, P), m1),
         P ! {ping, self()},
         receive {pong, _} -> ok end,
         Opts = #{nodedown_reason => true},
         log([a, monitor_nodes, net_kernel:monitor_nodes(true, Opts)]),
         log([a, freeze, freeze_node(B)]),
         drain(3),                            % EXIT, DOWN, nodedown
         net_kernel:monitor_nodes(false, Opts),
         log([a, thaw, thaw_node(B)]),
         {srv, B} ! {report, self()},         % connects again
         log([a, got, next()]),
         log([a, nodes, nodes()])
     end},

     {monitor_nodes_twice, fun() ->
         %% each subscription is its own: two nodeups, and after one is
         %% turned off, one nodedown
         B = nd(b),
         log([a, monitor_nodes, net_kernel:monitor_nodes(true)]),
         log([a, monitor_nodes, net_kernel:monitor_nodes(true)]),
         connect(B),
         drain(2),
         log([a, monitor_nodes_off, net_kernel:monitor_nodes(false)]),
         disconnect_node(B),
         drain(1)
     end},
     {remote_unlink, fun() ->
         %% after unlink/1 the remote process's exit reaches no one
         trap(true),
         B = nd(b),
         P = nm(start_srv(B, none, false), p),
         link(P),
         nm(monitor(process, P), m),
         log([a, unlink, unlink(P)]),
         P ! {exit, boom},
         drain(1)
     end},
     {remote_pid_local_bifs, fun() ->
         %% some BIFs take only local pids: badarg for a remote one
         B = nd(b),
         P = nm(start_srv(B, none, false), p),
         log([a, is_process_alive, t(fun() -> is_process_alive(P) end)]),
         log([a, register, t(fun() -> register(remote, P) end)]),
         log([a, whereis, whereis(remote)]),
         log([a, exit_normal, exit(P, normal)]),
         P ! {ping, self()},
         log([a, got, next()])
     end},

     %% calls to a down node (item 103)
     {gen_server_call_nodedown, fun() ->
         B = nd(b),
         S = nm(start_kv(B), kv),
         log([a, call, gen_server:call({kv, B}, ping)]),
         log([a, call, gen_server:call(S, ping, 1000)]),
         stop_node(B),
         log([a, call_name, t(fun() -> gen_server:call({kv, B}, ping) end)]),
         log([a, call_name, t(fun() -> gen_server:call({kv, B}, ping, 1000) end)]),
         log([a, call_pid, t(fun() -> gen_server:call(S, ping, 1000) end)]),
         log([a, call_nonexistent, t(fun() -> gen_server:call({kv, nd(x)}, ping) end)])
     end},
     {gen_server_remote, fun() ->
         %% cast, a crash inside a call, and stop, all to a server on b
         B = nd(b),
         S1 = nm(start_kv(B), kv1),
         log([a, cast, gen_server:cast({kv, B}, incr)]),
         log([a, call, gen_server:call({kv, B}, count)]),
         log([a, crash, t(fun() -> gen_server:call({kv, B}, crash, 1000) end)]),
         log([a, dead, t(fun() -> gen_server:call(S1, ping, 1000) end)]),
         S2 = nm(start_kv(B), kv2),
         log([a, stop, gen_server:stop({kv, B})]),
         log([a, stopped, t(fun() -> gen_server:call(S2, ping, 1000) end)]),
         log([a, nodes, nodes()])
     end},
     {supervisor_remote_child, fun() ->
         %% a supervisor on a with its child on b: a kill is a restart on b;
         %% once b has stopped, each restart's child exits noconnection at
         %% once, until the restarts exceed the intensity and it gives up
         trap(true),
         B = nd(b),
         {ok, Sup} = supervisor:start_link(?MODULE, {sup, B}),
         nm(Sup, sup),
         [{w, P1, worker, _}] = supervisor:which_children(Sup),
         nm(P1, w1),
         log([a, child, P1]),
         nm(monitor(process, P1), m1),
         exit(P1, kill),
         log([a, got, next()]),
         log([a, child, nm(wait_child(Sup, P1), w2)]),
         stop_node(B),
         log([a, got, next()])
     end},
     {rpc_call, fun() ->
         B = nd(b),
         log([a, rpc, rpc:call(B, erlang, node, [])]),
         log([a, rpc_exit, rpc:call(B, ?MODULE, exit_with, [boom])]),
         log([a, rpc_exit_normal, rpc:call(B, ?MODULE, exit_with, [normal])]),
         log([a, rpc_error, rpc:call(B, ?MODULE, divide, [1, 0])]),
         log([a, rpc_timeout, rpc:call(B, ?MODULE, sleep_then, [1000, late], 100)]),
         log([a, rpc_nonexistent, rpc:call(nd(x), erlang, node, [])]),
         stop_node(B),
         log([a, rpc_stopped, rpc:call(B, erlang, node, [])])
     end},
     {erpc_call, fun() ->
         B = nd(b),
         log([a, erpc, t(fun() -> erpc:call(B, erlang, node, []) end)]),
         log([a, erpc_nonexistent, t(fun() -> erpc:call(nd(x), erlang, node, []) end)]),
         stop_node(B),
         log([a, erpc_stopped, t(fun() -> erpc:call(B, erlang, node, []) end)])
     end},

     %% transitive connections (item 102)
     {transitive_connect, fun() ->
         %% a-b first, then b-c: c connects to a as well
         B = nd(b), C = nd(c), Self = self(),
         net_kernel:monitor_nodes(true),
         log([a, nodes, nodes()]),
         connect(B),
         spawn(B, fun() -> {nosuch, C} ! hello, Self ! b_sent end),
         receive b_sent -> ok end,
         log([a, nodes, wait_nodes([B, C])]),
         drain(2),
         spawn(C, fun() -> Self ! {c_nodes, lists:sort(nodes())} end),
         log([a, got, next()])
     end},
     {transitive_existing, fun() ->
         %% b-c connected before the scenario (setup/1): a connects to b only
         B = nd(b), C = nd(c),
         net_kernel:monitor_nodes(true),
         log([a, nodes, nodes()]),
         connect(B),
         log([a, nodes, wait_nodes([B, C])]),
         drain(2)
     end}
    ].
