%% ch05_restart_types.erl: book/ch05-supervisors.md, box "In Erlang".
%% run: erlc ch05_restart_types.erl && erl -noshell -s ch05_restart_types main -s init stop
%% A child of each restart type ends in five ways:
%% normal, shutdown, {shutdown,moved}, a crash, killed.
%% new: restarted, with a new pid;
%% kept: not restarted, spec kept (pid undefined);
%% gone: not restarted, spec deleted.
%% expect: {permanent,[new,new,new,new,new]}
%% expect: {transient,[kept,kept,kept,new,new]}
%% expect: {temporary,[gone,gone,gone,gone,gone]}
-module(ch05_restart_types).
-behaviour(supervisor).
-export([main/0, init/1, start_ender/0]).

init(Restart) ->                       % one child; #{} = default flags
    Child = #{id => child, restart => Restart,
              start => {?MODULE, start_ender, []}},
    {ok, {#{}, [Child]}}.

start_ender() ->
    {ok, spawn_link(fun ender/0)}.

ender() ->                             % ends as it is told
    receive
        {end_with, crash} -> error(bug);   % raise RuntimeError("bug")
        {end_with, Reason} -> exit(Reason)
    end.

main() ->
    logger:set_primary_config(level, none),
    process_flag(trap_exit, true),
    Reasons = [normal, shutdown, {shutdown, moved},
               crash, killed],
    [io:format("~p~n", [{T, outcomes(T, Reasons)}])
     || T <- [permanent, transient, temporary]].

outcomes(Restart, Reasons) ->
    [outcome(Restart, R) || R <- Reasons].

outcome(Restart, Reason) ->
    {ok, Sup} = supervisor:start_link(?MODULE, Restart),
    [{child, Old, _, _}] = supervisor:which_children(Sup),
    case Reason of
        killed -> exit(Old, kill);
        _ -> Old ! {end_with, Reason}
    end,
    timer:sleep(20),
    Result = case supervisor:which_children(Sup) of
                 [] -> gone;
                 [{child, undefined, _, _}] -> kept;
                 [{child, _New, _, _}] -> new
             end,
    exit(Sup, shutdown),
    receive {'EXIT', Sup, shutdown} -> Result end.
