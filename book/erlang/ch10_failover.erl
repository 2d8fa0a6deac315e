%% Chapter 10: fail-over on nodedown, with the waiting purchases sent again (OTP 25).
%%
%% The controller starts two peer nodes, master and slave (OS processes, via
%% peer), each running a front that answers {buy, Id, From} with
%% {decided, Id, Node}.  The shop sends purchases to the master; when
%% net_kernel:monitor_nodes tells it {nodedown, Master} it moves to the slave
%% and sends again every purchase still waiting.  Nodes print as roles.
%%
%% expect: {decided,1,master}
%% expect: {decided,2,master}
%% expect: {failover,slave,waiting,[3]}
%% expect: {decided,3,slave}
%% expect: {decided,4,slave}
-module(ch10_failover).
-export([main/0, front/0]).

main() ->
    {ok, _} = net_kernel:start([ctl, shortnames]),
    {ok, Pm, M} = peer:start_link(#{name => peer:random_name(master), connection => standard_io}),
    {ok, Ps, S} = peer:start_link(#{name => peer:random_name(slave), connection => standard_io}),
    ok = ping_all([M, S]),
    Roles = #{M => master, S => slave},
    [spawn_front(N) || N <- [M, S]],
    shop(M, S, Roles, Pm),
    peer:stop(Ps),
    ok.

ping_all(Nodes) ->
    [pong = net_adm:ping(N) || N <- Nodes], ok.

spawn_front(Node) ->
    {?MODULE, Bin, File} = code:get_object_code(?MODULE),
    {module, ?MODULE} = erpc:call(Node, code, load_binary, [?MODULE, File, Bin]),
    Pid = erpc:call(Node, erlang, spawn, [?MODULE, front, []]),
    true = erpc:call(Node, erlang, register, [front, Pid]).

front() ->
    receive
        {buy, Id, From} -> From ! {decided, Id, node()}, front();
        hold -> receive never -> ok end           % a front that stops answering
    end.

%% The shop: purchases go to Primary; a nodedown moves them, waiting ones too.
shop(M, S, Roles, Pm) ->
    ok = net_kernel:monitor_nodes(true),
    W1 = buy(1, M, #{}), W2 = wait_decided(W1, Roles),
    W3 = buy(2, M, W2), W4 = wait_decided(W3, Roles),
    {front, M} ! hold,                              % purchase 3 will never be answered
    W5 = buy(3, M, W4),
    peer:stop(Pm),                                  % the master's node dies
    receive {nodedown, M} -> ok end,
    Out = fun(T) -> io:format("~p~n", [T]) end,
    Out({failover, maps:get(S, Roles), waiting, lists:sort(maps:keys(W5))}),
    [{front, S} ! {buy, Id, self()} || Id <- maps:keys(W5)],
    W6 = wait_decided(W5, Roles),
    W7 = buy(4, S, W6), #{} = wait_decided(W7, Roles),
    ok.
%% end

buy(Id, Node, Waiting) ->
    {front, Node} ! {buy, Id, self()},
    Waiting#{Id => Node}.

wait_decided(Waiting, Roles) ->
    receive
        {decided, Id, Node} ->
            io:format("~p~n", [{decided, Id, maps:get(Node, Roles)}]),
            maps:remove(Id, Waiting)
    end.
