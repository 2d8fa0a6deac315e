%% Erlang half of the distribution differential tests (tests/differential_dist/).
%%
%% Every scenario has a twin with the same name in scenarios.py, written with
%% labrt's distribution API, and both print the same normalised lines.  A
%% scenario runs on node a as <a.main>, with nodes a, b and c up and not
%% connected (x never exists); the runner, the printer and the helpers
%% (start_srv, connect, stop_node, drain, ...) are in dist_kit.erl, which
%% says how lines are normalised and why some of them are sorted.
-module(dist_scenarios).
-export([scenarios/0, names/0, setup/1]).
-import(dist_kit, [log/1, nm/2, nd/1, trap/1, t/1, next/0, idle/0, drain/1,
                   start_srv/3, connect/1, stop_node/1, restart_node/1,
                   freeze_node/1, thaw_node/1, wait_nodes/1, on_go_exit/1,
                   start_kv/1, wait_child/2, take_all/0, log_group/1,
                   cut/1, heal_link/1, watcher/4, show_report/1, view/2,
                   split/2, go/1, hold_global/1, release_global/1]).

names() -> [Name || {Name, _} <- scenarios()].

%% Actions the controller performs before the scenario starts (see
%% beam_dist.escript): {connect, From, To} connects two nodes without a.
setup(transitive_existing) -> [{connect, b, c}];
setup(_) -> [].

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
         P = nm(spawn_link(nd(b), fun dist_kit:idle/0), p),
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
         nm(spawn_link(B, fun dist_kit:idle/0), p1),
         nm(spawn_link(B, fun dist_kit:idle/0), p2),
         nm(monitor(process, nm(spawn(B, fun dist_kit:idle/0), p3)), m3),
         %% a local process that does not trap, linked to a process on b
         L = nm(spawn(fun() ->
                 link(spawn(B, fun dist_kit:idle/0)),
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
         nm(spawn_link(B, fun dist_kit:idle/0), pb),
         nm(spawn_link(C, fun dist_kit:idle/0), pc),
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

     {own_node, fun() ->
         %% the distribution BIFs pointed at this node itself
         A = node(), Self = self(),
         log([a, monitor_node_self, monitor_node(A, true)]),
         log([a, disconnect_self, disconnect_node(A)]),
         log([a, send_unregistered, {nosuch, A} ! hi]),
         nm(monitor(process, {nosuch, A}), m),
         log([a, got, next()]),
         P = nm(spawn(A, fun() -> Self ! {here, node()} end), p),
         log([a, node_of_p, node(P)]),
         log([a, got, next()]),
         log([a, nodes, nodes()]),
         drain(0)
     end},

     {disconnect_overlapping, fun() ->
         %% a, b, c all connected; a drops b while c still sees both.  OTP 25
         %% defaults to prevent_overlapping_partitions = true (kernel): global
         %% then disconnects c as well, so that no node is connected to two
         %% nodes that cannot see each other.  c watches for one second.
         B = nd(b), C = nd(c), A = node(), Self = self(),
         connect(B), connect(C),
         log([a, nodes, wait_nodes([B, C])]),
         W = spawn(C, fun() ->
                 wait_nodes([A, B]),
                 net_kernel:monitor_nodes(true),
                 Self ! {c_ready, lists:sort(nodes())},
                 receive go -> ok end,
                 timer:sleep(1000),
                 Self ! {c_saw, take_all(), lists:sort(nodes())}
             end),
         log([a, got, receive {c_ready, _} = R -> R after 5000 -> nothing end]),
         net_kernel:monitor_nodes(true),
         W ! go,
         hold_global([C]),                    % (see dist_kit:hold_global/1)
         log([a, disconnect, disconnect_node(B)]),
         timer:sleep(300),
         release_global([C]),
         receive
             {c_saw, Saw, Nodes} ->
                 log_group([[c, saw, M] || M <- Saw]),
                 log([c, nodes, Nodes])
         after 5000 -> log([a, got, nothing])
         end,
         drain(0),
         log([a, nodes, lists:sort(nodes())])
     end},

     %% global's prevent_overlapping_partitions (OTP 25's default, on in
     %% these peers): a node may not stay connected to two nodes that cannot
     %% see each other.  A cut is a wrong cookie plus disconnect_node (cut/1),
     %% a full split two frozen nodes; watchers on the other nodes take a
     %% snapshot of what they saw before a report connects them to a again.
     {pop_one_link, fun() ->
         %% three nodes, a-b cut: c drops both (a and b disconnect c); after
         %% the heal one contact brings the full mesh back
         B = nd(b), C = nd(c), A = node(), Self = self(),
         Opts = #{nodedown_reason => true},
         connect(B), connect(C),
         log([a, nodes, wait_nodes([B, C])]),
         W = spawn(C, watcher(Self, [A, B], Opts, {sleep, 1000})),
         log([a, got, receive {ready, _, _} = R -> R after 5000 -> nothing end]),
         net_kernel:monitor_nodes(true, Opts),
         go(W),
         hold_global([C]),                    % (see dist_kit:hold_global/1)
         log([a, cut, cut(B)]),
         timer:sleep(300),
         release_global([C]),
         timer:sleep(1500),
         show_report(W),                      % connects c and a again
         drain(3),                            % nodedown b, nodedown c, nodeup c
         {nosuch, B} ! hello,                 % cannot connect: still cut
         timer:sleep(300),
         log([a, nodes, lists:sort(nodes())]),
         log([a, heal, heal_link(B)]),
         connect(B),
         log([a, nodes, wait_nodes([B, C])]),
         view(C, [A, B]),
         drain(1)                             % nodeup b
     end},
     {pop_one_link_four, fun() ->
         %% four nodes, a-b cut: c and d drop a and b but keep each other
         %% (losses the option caused start no new round); then heal
         B = nd(b), C = nd(c), D = nd(d), A = node(), Self = self(),
         Opts = #{nodedown_reason => true},
         connect(B), connect(C), connect(D),
         log([a, nodes, wait_nodes([B, C, D])]),
         WC = spawn(C, watcher(Self, [A, B, D], Opts, {sleep, 1000})),
         WD = spawn(D, watcher(Self, [A, B, C], Opts, {sleep, 1000})),
         log_group([[a, got, receive {ready, _, _} = R -> R after 5000 -> nothing end]
                    || _ <- [1, 2]]),
         net_kernel:monitor_nodes(true, Opts),
         go(WC), go(WD),
         hold_global([C, D]),                 % (see dist_kit:hold_global/1)
         log([a, cut, cut(B)]),
         timer:sleep(300),
         release_global([C, D]),
         timer:sleep(1500),
         show_report(WC),                     % connects c (and d) and a again
         show_report(WD),
         drain(5),                            % nodedown b, c, d; nodeup c, d
         log([a, nodes, wait_nodes([C, D])]),
         log([a, heal, heal_link(B)]),
         connect(B),
         log([a, nodes, wait_nodes([B, C, D])]),
         view(B, [A, C, D]),
         drain(1)                             % nodeup b
     end},
     {pop_full_split, fun() ->
         %% four nodes split {a, b} | {c, d} at once (split/2, with c and d
         %% frozen meanwhile): no message of the option crosses, so each side
         %% stays connected; after the heal one contact brings the full mesh
         %% back
         B = nd(b), C = nd(c), D = nd(d), A = node(), Self = self(),
         Opts = #{nodedown_reason => true},
         connect(B), connect(C), connect(D),
         log([a, nodes, wait_nodes([B, C, D])]),
         WC = spawn(C, watcher(Self, [A, B, D], Opts, {downs, 2, 500})),
         log([a, got, receive {ready, _, _} = R -> R after 5000 -> nothing end]),
         net_kernel:monitor_nodes(true, Opts),
         go(WC),
         log([a, freeze, freeze_node(C), freeze_node(D)]),
         log([a, split, split([A, B], [C, D])]),
         drain(2),                            % nodedown c, d (disconnect)
         log([a, nodes, lists:sort(nodes())]),
         view(B, [A]),
         log([a, thaw, thaw_node(C), thaw_node(D)]),
         timer:sleep(1000),
         show_report(WC),                     % connects c (and d) and a again
         log([a, nodes, wait_nodes([B, C, D])]),
         view(B, [A, C, D]),
         drain(2)                             % nodeup c, d
     end},
     {pop_node_stops, fun() ->
         %% three nodes, c stops: a and b lose it at about the same moment
         %% and stay connected (the far node of every lost_connection is c)
         B = nd(b), C = nd(c), A = node(),
         connect(B), connect(C),
         log([a, nodes, wait_nodes([B, C])]),
         net_kernel:monitor_nodes(true),
         stop_node(C),
         drain(1),                            % nodedown c
         timer:sleep(500),
         log([a, nodes, lists:sort(nodes())]),
         view(B, [A]),
         drain(0)
     end},
     {pop_frozen_pair, fun() ->
         %% c and d frozen until a and b time out: not a partition under
         %% this option (see README.md, Known differences)
         B = nd(b), C = nd(c), D = nd(d), A = node(), Self = self(),
         connect(B), connect(C), connect(D),
         log([a, nodes, wait_nodes([B, C, D])]),
         WC = spawn(C, watcher(Self, [A, B, D], plain, {downs, 2, 500})),
         log([a, got, receive {ready, _, _} = R -> R after 5000 -> nothing end]),
         net_kernel:monitor_nodes(true, #{nodedown_reason => true}),
         go(WC),
         log([a, freeze, freeze_node(C), freeze_node(D)]),
         drain(2),                            % nodedown c, d (net_tick_timeout)
         log([a, nodes, lists:sort(nodes())]),
         view(B, [A]),
         log([a, thaw, thaw_node(C), thaw_node(D)]),
         timer:sleep(1000),
         show_report(WC),                     % connects c (and d) and a again
         log([a, nodes, wait_nodes([B, C, D])]),
         view(B, [A, C, D]),
         drain(2)                             % nodeup c, d
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
         {ok, Sup} = supervisor:start_link(dist_kit, {sup, B}),
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
         log([a, rpc_exit, rpc:call(B, dist_kit, exit_with, [boom])]),
         log([a, rpc_exit_normal, rpc:call(B, dist_kit, exit_with, [normal])]),
         log([a, rpc_error, rpc:call(B, dist_kit, divide, [1, 0])]),
         log([a, rpc_timeout, rpc:call(B, dist_kit, sleep_then, [1000, late], 100)]),
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
