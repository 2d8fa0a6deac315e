%% ch02_bind.erl: book/ch02-functional.md, box "In Erlang: bound once".
%% run: erlc ch02_bind.erl && erl -noshell -s ch02_bind main -s init stop
%% expect: X = 1
%% expect: rebinding X: {badmatch,2}
%% expect: {account,"ada",100}
%% expect: {account,"ada",150}
-module(ch02_bind).
-export([main/0]).

-record(account, {owner, balance}).

main() ->
    X = 1,
    io:format("X = ~p~n", [X]),
    try rebind(X)
    catch error:Reason ->
        io:format("rebinding X: ~p~n", [Reason])
    end,
    A = #account{owner = "ada", balance = 100},
    B = A#account{balance = A#account.balance + 50},
    io:format("~p~n~p~n", [A, B]).

%% X is bound already, so `X = 2` is a test that fails,
%% not an assignment.
rebind(X) ->
    X = 2.
