%% ch04_keeper.erl: book/ch04-links.md, box "In Erlang".
%% run: erlc ch04_keeper.erl && erl -noshell -s ch04_keeper main -s init stop
%% expect: {died,bad_input}
%% expect: {'DOWN',noproc}
%% expect: killed
-module(ch04_keeper).
-export([main/0]).

main() ->
    %% Trap exits: a linked process's death becomes an 'EXIT' message.
    process_flag(trap_exit, true),
    Pid = spawn_link(fun() -> timer:sleep(100), exit(bad_input) end),
    receive
        {'EXIT', Pid, normal} -> io:format("finished~n");
        {'EXIT', Pid, Reason} -> io:format("~p~n", [{died, Reason}])
    end,
    %% A monitor on a process that is already dead fires at once.
    Ref = erlang:monitor(process, Pid),
    receive {'DOWN', Ref, process, Pid, R} -> io:format("~p~n", [{'DOWN', R}]) end,
    %% kill cannot be trapped; the linked process hears 'killed'.
    Stubborn = spawn_link(fun() -> process_flag(trap_exit, true),
                                   receive never -> ok end end),
    timer:sleep(50),
    exit(Stubborn, kill),
    receive {'EXIT', Stubborn, Why} -> io:format("~p~n", [Why]) end.
