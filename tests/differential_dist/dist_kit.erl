%% The kit of the distribution differential tests (tests/differential_dist/):
%% the runner that dist_scenarios.erl's scenarios run in, the normaliser that
%% prints their lines, and the helpers they call.
%%
%% This module and dist_scenarios are loaded, as binaries compiled by
%% beam_dist.escript, into four peer nodes a@localhost, b@localhost,
%% c@localhost and d@localhost.  A scenario runs on node a as the process
%% <a.main>, in a fresh state: the four nodes are up and no two of them are
%% connected.
%% x@localhost is a node that never exists.
%%
%% Lines print the same way as harness.py prints the labrt twins' lines:
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
-module(dist_kit).
-export([start/2, poll/0, answer/1, cleanup/1, disconnect_all/0, io_sink/0]).
%% helpers of the scenarios (dist_scenarios.erl)
-export([log/1, nm/2, nd/1, trap/1, t/1, next/0, idle/0, drain/1, start_srv/3,
         connect/1, stop_node/1, restart_node/1, freeze_node/1, thaw_node/1,
         wait_nodes/1, on_go_exit/1, start_kv/1, wait_child/2, take_all/0,
         log_group/1, cut/1, heal_link/1, watcher/4, show_report/1, view/2,
         split/2, go/1, hold_global/1, release_global/1]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).
-export([exit_with/1, divide/2, sleep_then/2, start_remote_child/1]).

-define(HOST, "localhost").

%% ---------------------------------------------------------------- runner

%% Start one scenario on this node (a).  The controller then polls (poll/0)
%% until it gets {done, FormattedLines, GroupLeader}; meanwhile a poll may
%% return {request, R}, something only the controller can do (restart a
%% node), which it answers with answer/1.  Every process the scenario starts,
%% here or on another node, inherits the group leader G, which is how
%% cleanup/1 finds them afterwards.
start(Name, Roles) ->
    {Name, Fun} = lists:keyfind(Name, 1, dist_scenarios:scenarios()),
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
    heal_links(),
    _ = (catch sys:resume(global_name_server, 1000)),   % after hold_global/1
    Mine = [P || P <- processes(), P =/= G,
                 process_info(P, group_leader) =:= {group_leader, G}],
    [exit(P, kill) || P <- Mine],
    [exit(G, kill) || node(G) =:= node()],
    length(Mine).

%% Undo every cut/1 of this node (the controller's reset, via cleanup/1).
heal_links() ->
    [erlang:set_cookie(list_to_atom(R ++ "@" ++ ?HOST), erlang:get_cookie())
     || R <- ["a", "b", "c", "d"], list_to_atom(R ++ "@" ++ ?HOST) =/= node()],
    ok.

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

%% Log several lines as a sorted group (`nothing` for none); see drain/1.
log_group([]) -> log([a, group, nothing]);
log_group(Lines) -> get(collector) ! {log_sorted, Lines}, ok.
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

%% ---------------------------------------------------------------- partitions
%% (the pop_* scenarios: global's prevent_overlapping_partitions, on in OTP 25)

%% Cut the link between this node and Node: a wrong cookie for Node (so no
%% connection between the two can be set up again, in either direction: the
%% handshake fails at once), then disconnect_node(Node).  heal_link/1 puts
%% the cookie back.  The labrt twin partitions the two nodes and disconnects.
cut(Node) ->
    true = erlang:set_cookie(Node, labrt_differential_dist_cut),
    erlang:disconnect_node(Node).

heal_link(Node) ->
    true = erlang:set_cookie(Node, erlang:get_cookie()),
    ok.

%% A process to spawn on another node that watches the connections from
%% there: once nodes() is Expected it subscribes to monitor_nodes (Opts, or
%% plain for monitor_nodes/1),
%% tells Main {ready, Node, Nodes}, and waits for go (go/1).  Then it waits
%% ({sleep, Ms}: Ms; {downs, N, Ms}: for N messages, 10 s at most each, then
%% Ms), takes a snapshot of what it got and of nodes(), and waits for
%% {report, From} to send it: a report connects the two nodes again, so the
%% snapshot is taken before it.
watcher(Main, Expected, Opts, Wait) ->
    fun() ->
        wait_nodes(Expected),
        case Opts of
            plain -> net_kernel:monitor_nodes(true);
            _ -> net_kernel:monitor_nodes(true, Opts)
        end,
        Main ! {ready, node(), lists:sort(nodes())},
        receive go -> Main ! {going, node()} end,
        Got = case Wait of
                  {sleep, Ms} -> timer:sleep(Ms), [];
                  {downs, N, Ms} -> G = wait_long(N), timer:sleep(Ms), G
              end,
        Snap = {saw, node(), Got ++ take_all(), lists:sort(nodes())},
        receive {report, From} -> From ! Snap end
    end.

wait_long(0) -> [];
wait_long(N) -> receive M -> [M | wait_long(N - 1)] after 10000 -> [] end.

%% Ask a watcher for its snapshot and log it: Role saw M (sorted), Role nodes.
show_report(W) ->
    W ! {report, self()},
    receive
        {saw, Node, Msgs, Nodes} ->
            R = role(Node),
            log_group([[R, saw, M] || M <- Msgs]),
            log([R, nodes, Nodes])
    after 5000 -> log([a, got, nothing])
    end.

%% Log Node's sorted nodes() once it is Expected (3 s at most), asked by a
%% process spawned there (this node must be connected to Node already).
view(Node, Expected) ->
    Self = self(),
    spawn(Node, fun() -> Self ! {view, node(), wait_nodes(Expected)} end),
    receive {view, Node, Ns} -> log([role(Node), nodes, Ns])
    after 5000 -> log([a, got, nothing])
    end.

%% A full split, made at one instant as far as global can tell: global is
%% suspended on every node of Side, each of them disconnects every node of
%% Other, then global resumes; so no lost_connection goes out while a
%% connection across the split is still up.  (Call it with the nodes of Other
%% frozen, or their global would hear of the first loss at once and tell a
%% node of Side that still sees the far node.)  The labrt twin partitions
%% the two sides and disconnects the same pairs.
split(Side, Other) ->
    [ok = on(N, fun() -> sys:suspend(global_name_server) end) || N <- Side],
    [on(N, fun() -> [erlang:disconnect_node(O) || O <- Other] end) || N <- Side],
    [ok = on(N, fun() -> sys:resume(global_name_server) end) || N <- Side],
    ok.

%% Run F on Node (spawned there) and return its value.
on(Node, F) ->
    Self = self(), Ref = make_ref(),
    spawn(Node, fun() -> Self ! {Ref, F()} end),
    receive {Ref, R} -> R after 5000 -> on_timeout end.

%% Start a watcher and wait until it has the go (so a cut made next cannot
%% catch the go in flight).
go(W) ->
    W ! go,
    receive {going, _} -> ok after 5000 -> no_go end.

%% Suspend (and resume) global_name_server on Nodes.  A cut a-b among nodes
%% that all see each other has a race on the BEAM: c passes a's
%% lost_connection(a, b) on to b, and if it reaches b before b has handled its
%% own nodedown for a, b drops a quietly (it asks a to remove it) and never
%% sends lost_connection(b, a), so c keeps a (seen once in six runs).  Holding
%% c's global for 300 ms across the cut rules that out; labrt has no such race
%% (both ends of a disconnect see it at the same instant), so its twin only
%% waits.
hold_global(Nodes) ->
    [ok = on(N, fun() -> sys:suspend(global_name_server) end) || N <- Nodes],
    ok.

%% (No answer is awaited: once a node's global runs it may cut the very
%% connection an answer would come back on.)
release_global(Nodes) ->
    [spawn(N, fun() -> sys:resume(global_name_server) end) || N <- Nodes],
    ok.
