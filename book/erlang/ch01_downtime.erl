%% ch01_downtime.erl: book/ch01-never-stop.md, box "In Erlang: the downtime table".
%% run: erlc ch01_downtime.erl && erl -noshell -s ch01_downtime main -s init stop
%% expect: 99.000% -> 432.00 min
%% expect: 99.900% -> 43.20 min
%% expect: 99.990% -> 4.32 min
%% expect: 99.999% -> 0.43 min
-module(ch01_downtime).
-export([main/0]).

%% Minutes of downtime allowed per 30-day month.
main() ->
    Month = 30 * 24 * 60,
    Print = fun(A) ->
        Down = (1 - A / 100) * Month,
        io:format("~.3f% -> ~.2f min~n", [A, Down])
    end,
    lists:foreach(Print, [99.0, 99.9, 99.99, 99.999]).
