%% ch05_restart_types.erl: book/ch05-supervisors.md, box "In Erlang".
%% run: erlc ch05_restart_types.erl && erl -noshell -s ch05_restart_types main -s init stop
%% A child of each restart type ends with each of five reasons:
%% normal, shutdown, {shutdown,moved}, a crash, killed.
%% restarted: it has a new pid; kept: not restarted, spec kept
%% (pid undefined); deleted: not restarted, spec gone.
%% expect: {permanent,[restarted,restarted,restarted,restarted,restarted]}
%% expect: {transient,[kept,kept,kept,restarted,restarted]}
%% expect: {temporary,[deleted,deleted,deleted,deleted,deleted]}
-module(ch05_restart_types).
-behaviour(supervisor).
-export([main/0, init/1, start_ender/0]).

init(Restart) ->
    Child = #{id => child, start => {?MODULE, start_ender, []},
              restart => Restart},
    {ok, {#{}, [Child]}}.

start_ender() ->
    {ok, spawn_link(fun() -> receive {end_with, crash} -> error(bug);
                                     {end_with, R} -> exit(R)
                             end end)}.

main() ->
    logger:set_primary_config(level, none),
    process_flag(trap_exit, true),
    Reasons = [normal, shutdown, {shutdown, moved}, crash, killed],
    [io:format("~p~n", [{T, [outcome(T, R) || R <- Reasons]}])
     || T <- [permanent, transient, temporary]].

outcome(Restart, Reason) ->
    {ok, Sup} = supervisor:start_link(?MODULE, Restart),
    [{child, Old, worker, _}] = supervisor:which_children(Sup),
    case Reason of
        killed -> exit(Old, kill);
        _ -> Old ! {end_with, Reason}
    end,
    timer:sleep(20),
    Result = case supervisor:which_children(Sup) of
                 [] -> deleted;
                 [{child, undefined, _, _}] -> kept;
                 [{child, _New, _, _}] -> restarted
             end,
    exit(Sup, shutdown),
    receive {'EXIT', Sup, shutdown} -> Result end.
