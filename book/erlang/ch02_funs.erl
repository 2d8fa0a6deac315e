%% ch02_funs.erl: book/ch02-functional.md, box "In Erlang: funs and closures".
%% run: erlc ch02_funs.erl && erl -noshell -s ch02_funs main -s init stop
%% expect: [true,false]
%% expect: [0,10,20]
-module(ch02_funs).
-export([main/0]).

at_most(Limit) ->
    fun(#{amount := Amount}) -> Amount =< Limit end.

ships_to(Countries) ->
    fun(#{country := C}) -> lists:member(C, Countries) end.

main() ->
    Checks = [at_most(500), ships_to([se, no, dk, fi])],
    Approve = fun(Order) ->
        lists:all(fun(Check) -> Check(Order) end, Checks)
    end,
    Orders = [#{amount => 120, country => se},
              #{amount => 900, country => no}],
    io:format("~p~n", [lists:map(Approve, Orders)]),
    Scalers = [fun(X) -> X * I end || I <- [0, 1, 2]],
    io:format("~p~n", [[F(10) || F <- Scalers]]).
