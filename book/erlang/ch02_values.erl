%% ch02_values.erl: book/ch02-functional.md, box "In Erlang: everything is an expression".
%% run: erlc ch02_values.erl && erl -noshell -s ch02_values main -s init stop
%% expect: [high,medium,low]
%% expect: small
%% expect: empty
-module(ch02_values).
-export([main/0]).

risk(Score) ->
    if
        Score > 0.8 -> high;
        Score > 0.3 -> medium;
        true -> low
    end.

main() ->
    Labels = [risk(S) || S <- [0.9, 0.5, 0.1]],
    Size = case hd(Labels) of
               low -> big;
               _ -> small
           end,
    Mail = receive Msg -> Msg after 0 -> empty end,
    io:format("~p~n~p~n~p~n", [Labels, Size, Mail]).
