#!/usr/bin/env escript
%% -*- erlang -*-
%%! +S 1 -noshell
%%
%% Controller of the distribution differential tests (tests/differential_dist/).
%%
%% This script is not a distributed node itself: it starts four peer nodes
%% (a, b, c, d @localhost) with OTP's `peer` module over their standard input and
%% output (connection => standard_io), so the only distribution connections are
%% the ones the scenarios make.  It compiles dist_kit.erl (runner, printer,
%% helpers) and dist_scenarios.erl (the scenarios), loads the
%% binary into every peer, and for each scenario:
%%
%%   1. starts any peer a previous scenario stopped (they all run otherwise:
%%      starting peers once per run keeps the run short);
%%   2. performs the scenario's setup actions (dist_scenarios:setup/1);
%%   3. starts the scenario on node a (dist_kit:start/2), polls it until
%%      it is done, restarting, stopping (SIGSTOP) or resuming (SIGCONT) a
%%      node when the scenario asks for it, and
%%      prints its lines;
%%   4. kills what the scenario started on every node (dist_kit:cleanup/1)
%%      and disconnects every pair of nodes, so the next scenario starts with
%%      four unconnected nodes.
%%
%% Output, one section per scenario, then an end marker with the count:
%%
%%     === remote_link_exit_abnormal
%%     a got {'EXIT',<b.p>,boom}
%%     a exit normal
%%     === end 30
%%
%% The nodes find each other through an epmd the caller starts: run this script
%% with ERL_EPMD_PORT set to that epmd's port (harness.py does; see README.md).
%% Everything listens on 127.0.0.1 only.  When this script ends, the peers'
%% standard input closes and they halt.
%%
%% Run: escript beam_dist.escript [name ...]   (no names = all)

-mode(compile).

-define(ROLES, [a, b, c, d]).

main(Args) ->
    logger:set_primary_config(level, none),
    Dir = filename:dirname(escript:script_name()),
    Code = [compile_load(filename:join(Dir, F)) || F <- ["dist_kit.erl", "dist_scenarios.erl"]],
    Wanted = [list_to_atom(A) || A <- Args],
    Names = [N || N <- dist_scenarios:names(), Wanted == [] orelse lists:member(N, Wanted)],
    Roles = maps:from_list([{R, node_name(R)} || R <- ?ROLES ++ [x]]),
    Peers0 = lists:foldl(fun(R, Acc) -> Acc#{R => start_peer(R, Code)} end,
                         #{}, ?ROLES),
    Peers = lists:foldl(fun(Name, Ps) -> scenario(Name, Ps, Roles, Code) end,
                        Peers0, Names),
    [catch peer:stop(P) || P <- maps:values(Peers)],
    io:format("=== end ~w~n", [length(Names)]),
    halt(0).

%% Compile a module to a binary and load it here; return what peers load.
compile_load(Src) ->
    {ok, Mod, Bin} = compile:file(Src, [binary, report_errors]),
    {module, Mod} = code:load_binary(Mod, Src, Bin),
    {Mod, Src, Bin}.

node_name(R) -> list_to_atom(atom_to_list(R) ++ "@localhost").

scenario(Name, Peers0, Roles, Code) ->
    Peers = ensure_peers(Peers0, Code),
    [setup(Action, Peers, Roles) || Action <- dist_scenarios:setup(Name)],
    ok = peer:call(maps:get(a, Peers), dist_kit, start, [Name, Roles]),
    {Lines, G, Peers1} = drive(Peers, Code),
    io:format("=== ~w~n", [Name]),
    [io:format("~s~n", [L]) || L <- Lines],
    reset(Peers1, G).

%% Poll the running scenario on a; carry out what it asks for.
drive(Peers, Code) ->
    A = maps:get(a, Peers),
    case peer:call(A, dist_kit, poll, [], 10000) of
        running ->
            timer:sleep(5),
            drive(Peers, Code);
        {request, {restart, Role}} ->
            Old = maps:get(Role, Peers),
            wait_gone(Old, 500),
            New = start_peer(Role, Code),
            ok = peer:call(A, dist_kit, answer, [ok]),
            drive(Peers#{Role => New}, Code);
        {request, {freeze, Role}} ->
            OsPid = peer:call(maps:get(Role, Peers), os, getpid, []),
            put({frozen, Role}, OsPid),
            os:cmd("kill -STOP " ++ OsPid),
            ok = peer:call(A, dist_kit, answer, [ok]),
            drive(Peers, Code);
        {request, {thaw, Role}} ->
            thaw(Role),
            ok = peer:call(A, dist_kit, answer, [ok]),
            drive(Peers, Code);
        {done, Lines, G} ->
            [thaw(R) || {{frozen, R}, _} <- get()],   % never leave one stopped
            {Lines, G, Peers}
    end.

thaw(Role) ->
    case erase({frozen, Role}) of
        undefined -> ok;
        OsPid -> os:cmd("kill -CONT " ++ OsPid), ok
    end.

wait_gone(_, 0) -> ok;
wait_gone(Peer, N) ->
    case alive(Peer) of
        true -> timer:sleep(10), wait_gone(Peer, N - 1);
        false -> ok
    end.

setup({connect, From, To}, Peers, Roles) ->
    true = peer:call(maps:get(From, Peers), net_kernel, connect_node,
                     [maps:get(To, Roles)]),
    wait_connected(maps:get(From, Peers), maps:get(To, Roles), 300).

wait_connected(_, Node, 0) -> error({not_connected, Node});
wait_connected(Peer, Node, N) ->
    case lists:member(Node, peer:call(Peer, erlang, nodes, [])) of
        true -> ok;
        false -> timer:sleep(10), wait_connected(Peer, Node, N - 1)
    end.

%% ---------------------------------------------------------------- peers

start_peer(Role, Code) -> start_peer(Role, Code, 20).

start_peer(Role, Code, Tries) ->
    Opts = #{name => Role, host => "localhost", connection => standard_io,
             wait_boot => 20000,
             args => ["-setcookie", "labrt_differential_dist",
                      "-start_epmd", "false",
                      "-kernel", "inet_dist_use_interface", "{127,0,0,1}",
                      "-kernel", "logger_level", "none",
                      "-kernel", "net_ticktime", "2",
                      "-kernel", "prevent_overlapping_partitions", "true",
                      "+S", "1"]},
    case catch peer:start(Opts) of
        {ok, Peer, _Node} ->
            [{module, Mod} = peer:call(Peer, code, load_binary, [Mod, Src, Bin])
             || {Mod, Src, Bin} <- Code],
            Peer;
        _ when Tries > 1 ->
            %% a node that has just halted may still hold its name in epmd
            timer:sleep(100),
            start_peer(Role, Code, Tries - 1);
        Other ->
            error({cannot_start_peer, Role, Other})
    end.

alive(Peer) -> is_process_alive(Peer).

%% Start the peers that are not running.
ensure_peers(Peers, Code) ->
    lists:foldl(fun(R, Acc) ->
        case Acc of
            #{R := P} -> case alive(P) of true -> Acc; false -> Acc#{R => start_peer(R, Code)} end;
            _ -> Acc#{R => start_peer(R, Code)}
        end
    end, Peers, ?ROLES).

%% After a scenario: kill its processes on every node still running (a node
%% the scenario stopped fails the call and is forgotten), then disconnect
%% every pair, and wait until no node sees another.
reset(Peers0, G) ->
    Peers = maps:filter(fun(_, P) ->
                            is_integer(catch peer:call(P, dist_kit, cleanup, [G]))
                        end, Peers0),
    disconnect_all(Peers, 300),
    Peers.

disconnect_all(_, 0) -> error(cannot_disconnect);
disconnect_all(Peers, N) ->
    Seen = [peer:call(P, erlang, nodes, [connected]) || P <- maps:values(Peers)],
    case lists:append(Seen) of
        [] -> ok;
        _ ->
            [peer:call(P, dist_kit, disconnect_all, []) || P <- maps:values(Peers)],
            timer:sleep(10),
            disconnect_all(Peers, N - 1)
    end.
