%% ch05_shutdown.erl: book/ch05-supervisors.md, box "In Erlang" (init forms, shutdown, links).
%% run: erlc ch05_shutdown.erl && erl -noshell -s ch05_shutdown main -s init stop
%% expect: {tuple_form_means_the_same,true}
%% expect: {shutdown,200,cleanup,50,ended_with,shutdown}
%% expect: {shutdown,200,cleanup,1000,ended_with,killed}
%% expect: {shutdown,brutal_kill,cleanup,50,ended_with,killed}
%% expect: {unlinked,crash,restarted,false}
%% expect: {unlinked,supervisor_ends,shutdown,child_alive,false}
%% expect: {unlinked,supervisor_ends,killed,child_alive,true}
-module(ch05_shutdown).
-behaviour(supervisor).
-export([main/0, init/1, start_tidy/1, start_unlinked/0]).

init(tuples) ->
    %% The talk's form: {ok, {{Strategy, MaxR, MaxT}, [ChildSpec]}}, a child
    %% spec as a 6-tuple {Id, Start, Restart, Shutdown, Type, Modules}.
    {ok, {{one_for_one, 3, 5},
          [{pricing, {?MODULE, start_unlinked, []},
            permanent, 5000, worker, [?MODULE]}]}};
%% The same supervisor in today's map form.
init(maps) ->
    {ok, {#{strategy => one_for_one, intensity => 3, period => 5},
          [#{id => pricing, start => {?MODULE, start_unlinked, []}}]}};
%% One child that traps exits and needs Cleanup ms to stop.
init({Shutdown, Cleanup}) ->
    {ok, {#{}, [#{id => tidy, start => {?MODULE, start_tidy, [Cleanup]},
                  shutdown => Shutdown}]}}.

start_tidy(Cleanup) ->
    {ok, spawn_link(fun() ->
        process_flag(trap_exit, true),
        receive {'EXIT', _, Why} -> timer:sleep(Cleanup), exit(Why) end
    end)}.

start_unlinked() ->                    % forgets the link: spawn
    {ok, spawn(fun() -> receive _ -> ok end end)}.

main() ->
    logger:set_primary_config(level, none),
    process_flag(trap_exit, true),
    Specs = [begin {ok, S} = supervisor:start_link(?MODULE, Form),
                   {ok, Spec} = supervisor:get_childspec(S, pricing),
                   stop(S), Spec
             end || Form <- [tuples, maps]],
    p({tuple_form_means_the_same, hd(Specs) =:= lists:last(Specs)}),
    %% Shutdown: exit(Child, shutdown), wait up to the shutdown
    %% time, then exit(Child, kill). brutal_kill kills at once.
    [p({shutdown, Sd, cleanup, C, ended_with, stop_reason(Sd, C)})
     || {Sd, C} <- [{200, 50}, {200, 1000}, {brutal_kill, 50}]],
    %% A child started without a link.
    {ok, S1} = supervisor:start_link(?MODULE, maps),
    C1 = child(S1),
    exit(C1, boom), timer:sleep(20),
    p({unlinked, crash, restarted, child(S1) =/= C1}),
    [begin
         {ok, S} = supervisor:start_link(?MODULE, maps),
         C = child(S),
         exit(S, How),
         receive {'EXIT', S, Why} -> ok end,
         timer:sleep(20),
         p({unlinked, supervisor_ends, Why, child_alive, is_process_alive(C)}),
         exit(C, kill)
     end || How <- [shutdown, kill]].

%% Stop a supervisor with one tidy child: how did the child end?
stop_reason(Shutdown, Cleanup) ->
    {ok, S} = supervisor:start_link(?MODULE, {Shutdown, Cleanup}),
    Ref = monitor(process, child(S)),
    stop(S),
    receive {'DOWN', Ref, process, _, Why} -> Why end.

child(S) -> [{_, Pid, _, _}] = supervisor:which_children(S), Pid.
stop(S) -> exit(S, shutdown), receive {'EXIT', S, _} -> ok end.
p(Term) -> io:format("~p~n", [Term]).
