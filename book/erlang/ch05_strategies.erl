%% ch05_strategies.erl: book/ch05-supervisors.md, box "In Erlang".
%% run: erlc ch05_strategies.erl && erl -noshell -s ch05_strategies main -s init stop
%% expect: {one_for_one,[w2]}
%% expect: {one_for_all,[w1,w2,w3]}
%% expect: {rest_for_one,[w2,w3]}
%% expect: {gave_up,shutdown}
-module(ch05_strategies).
-behaviour(supervisor).
-export([main/0, init/1, start_worker/0]).

init(Strategy) ->                      % the callback: Three.init
    Flags = #{strategy => Strategy,        % SupFlags(strategy, 3, 5)
              intensity => 3, period => 5},
    Start = {?MODULE, start_worker, []},   % (start_worker, ())
    Specs = [#{id => Id, start => Start}   % ChildSpec(id, start)
             || Id <- [w1, w2, w3]],
    {ok, {Flags, Specs}}.                  % ("ok", (flags, specs))

start_worker() ->                      % links the child to its caller
    {ok, spawn_link(fun() -> receive stop -> ok end end)}.

main() ->
    %% Keep the supervisor's reports off stdout.
    logger:set_primary_config(level, none),
    process_flag(trap_exit, true),
    [renewed(S) || S <- [one_for_one, one_for_all,
                         rest_for_one]],
    %% A crash loop: a 4th restart within 5 s is one
    %% too many, and the supervisor exits.
    {ok, Sup} = supervisor:start_link(?MODULE,
                                      one_for_one),
    [crash(Sup, w1) || _ <- [1, 2, 3, 4]],
    receive
        {'EXIT', Sup, Why} ->
            io:format("~p~n", [{gave_up, Why}])
    end.

%% Make w2 die: which children have new pids?
renewed(Strategy) ->
    {ok, Sup} = supervisor:start_link(?MODULE, Strategy),
    Old = children(Sup),
    crash(Sup, w2),
    New = [Id || {Id, Pid} <- children(Sup),
                 Pid =/= proplists:get_value(Id, Old)],
    io:format("~p~n", [{Strategy, New}]),
    %% Its parent (we) tells it to stop.
    exit(Sup, shutdown),
    receive {'EXIT', Sup, shutdown} -> ok end.

children(Sup) ->
    Kids = supervisor:which_children(Sup),
    lists:sort([{Id, Pid} || {Id, Pid, _, _} <- Kids]).

%% Kill a child; give the supervisor time to act.
crash(Sup, Id) ->
    Pid = proplists:get_value(Id, children(Sup)),
    Ref = erlang:monitor(process, Pid),
    exit(Pid, boom),
    receive {'DOWN', Ref, process, Pid, boom} -> ok end,
    timer:sleep(20).
