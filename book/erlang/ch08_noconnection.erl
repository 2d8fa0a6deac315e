%% ch08_noconnection.erl: book/ch08-nodes.md, box "In Erlang".
%% run: erlc ch08_noconnection.erl && erl -noshell -s ch08_noconnection main -s init stop
%% It starts a private epmd and two peer nodes, a@localhost and b@localhost, and
%% runs scenario/1 on a.  Only the lines below go to standard output.
%% expect: {remote_pid_is_on,b@localhost}
%% expect: {disconnect_node,true}
%% expect: {link,{'EXIT',noconnection}}
%% expect: {monitor,{'DOWN',noconnection}}
%% expect: {monitor_node,nodedown}
%% expect: {after_reconnect,monitored_one_alive,true}
%% expect: {after_reconnect,linked_one_alive,false}
%% expect: {rpc_to_missing_node,{badrpc,nodedown}}
%% expect: {monitor_node_of_missing_node,nodedown}
%% expect: {send_to_missing_node,ok}
-module(ch08_noconnection).
-export([main/0, scenario/1]).

%% What node a does: link to one process on b and monitor another, cut the
%% connection, and look at both again once the nodes are reconnected.
scenario(B) ->
    process_flag(trap_exit, true),
    Linked = spawn(B, timer, sleep, [infinity]),
    link(Linked),
    Remote = spawn(B, timer, sleep, [infinity]),
    Ref = erlang:monitor(process, Remote),
    erlang:monitor_node(B, true),
    Cut = erlang:disconnect_node(B),
    Link = receive {'EXIT', Linked, R1} -> {'EXIT', R1} end,
    Mon = receive {'DOWN', Ref, process, Remote, R2} -> {'DOWN', R2} end,
    Node = receive {nodedown, B} -> nodedown end,
    Alive = rpc:call(B, erlang, is_process_alive, [Remote]),   % connects again
    LinkedAlive = rpc:call(B, erlang, is_process_alive, [Linked]),
    Missing = 'nobody@localhost',
    erlang:monitor_node(Missing, true),
    NodeMissing = receive {nodedown, Missing} -> nodedown after 5000 -> silence end,
    [{remote_pid_is_on, node(Remote)}, {disconnect_node, Cut}, {link, Link},
     {monitor, Mon}, {monitor_node, Node}, {after_reconnect, monitored_one_alive, Alive},
     {after_reconnect, linked_one_alive, LinkedAlive},
     {rpc_to_missing_node, rpc:call(Missing, erlang, node, [])},
     {monitor_node_of_missing_node, NodeMissing},
     {send_to_missing_node, case {kv, Missing} ! hello of hello -> ok end}].

%% The plumbing: a private epmd on a port of its own (never the machine's
%% 4369), peers that find each other through it, everything on 127.0.0.1.
%% Relaxed command checking lets `epmd -kill` stop it even while the peers'
%% names are still registered (peer:stop returns before epmd hears of it).
main() ->
    Epmd = os:find_executable("epmd"),
    Port = integer_to_list(20000 + erlang:phash2({os:getpid(), erlang:monotonic_time()}, 20000)),
    EP = open_port({spawn_executable, Epmd},
                   [{args, ["-port", Port, "-address", "127.0.0.1",
                            "-relaxed_command_check"]}, nouse_stdio]),
    timer:sleep(300),
    try
        Env = [{"ERL_EPMD_PORT", Port}],
        Args = ["-setcookie", "ch08", "-start_epmd", "false", "-kernel",
                "inet_dist_use_interface", "{127,0,0,1}", "-kernel", "logger_level", "none"],
        Start = fun(Name) ->
                    {ok, P, N} = peer:start(#{name => Name, host => "localhost", env => Env,
                                              connection => standard_io, args => Args}),
                    {P, N}
                end,
        {PA, _A} = Start(a),
        {PB, B} = Start(b),
        {?MODULE, Bin, File} = code:get_object_code(?MODULE),
        {module, ?MODULE} = peer:call(PA, code, load_binary, [?MODULE, File, Bin]),
        Lines = peer:call(PA, ?MODULE, scenario, [B], 30000),
        [io:format("~p~n", [L]) || L <- Lines],
        peer:stop(PA), peer:stop(PB)
    after
        os:cmd(Epmd ++ " -port " ++ Port ++ " -kill"),
        catch port_close(EP)
    end,
    ok.
