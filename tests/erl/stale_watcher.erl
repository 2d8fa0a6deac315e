%% The acceptor's side of tests/test_erl_stale.py, on a BEAM node.
%% A peer connects, says {hello, P}; three processes then watch P's node:
%% one linked to P (trapping exits), one monitoring P, one with
%% monitor_node and monitor_nodes (with reasons). Each writes what it
%% sees, one line per event, to the file it was given. The peer then
%% connects again under the same name; the lines show what the BEAM did
%% with the old connection. labrt's twin is tests/erl/stale_peer.py's watch().
-module(stale_watcher).
-export([start/1]).

start(File) ->
    %% The log process opens the file: a file belongs to (dies with) its opener.
    Log = spawn(fun() -> {ok, Io} = file:open(File, [write]), log(Io) end),
    register(watcher, spawn(fun() -> init(Log) end)).

log(Io) ->
    receive
        {line, Tag, Text} -> io:format(Io, "~s ~s~n", [Tag, Text]), log(Io)
    end.

say(Log, Tag, Fmt, Args) ->
    Log ! {line, Tag, lists:flatten(io_lib:format(Fmt, Args))}.

init(Log) ->
    ok = net_kernel:monitor_nodes(true, [nodedown_reason]),
    receive {hello, P} -> ok end,
    B = node(P),
    Me = self(),
    spawn(fun() ->
                  process_flag(trap_exit, true),
                  link(P),
                  Me ! linked,
                  receive {'EXIT', P, R} -> say(Log, "link", "EXIT ~p", [R]) end
          end),
    receive linked -> ok end,
    spawn(fun() ->
                  Ref = monitor(process, P),
                  Me ! monitored,
                  receive {'DOWN', Ref, process, P, R} -> say(Log, "monitor", "DOWN ~p", [R]) end
          end),
    receive monitored -> ok end,
    true = monitor_node(B, true),
    P ! ready,
    watch(Log, B).

watch(Log, B) ->
    receive
        {nodeup, B, _} -> say(Log, "node", "nodeup", []), {peer, B} ! again;
        {nodedown, B} -> say(Log, "node", "monitor_node nodedown", []);
        {nodedown, B, [{nodedown_reason, R}]} -> say(Log, "node", "nodedown ~p", [R]);
        {ping, P} -> P ! pong;
        _ -> ok
    end,
    watch(Log, B).
