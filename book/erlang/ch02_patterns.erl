%% ch02_patterns.erl: book/ch02-functional.md, box "In Erlang: matching, strict and lenient".
%% run: erlc ch02_patterns.erl && erl -noshell -s ch02_patterns main -s init stop
%% expect: 150
%% expect: {error,function_clause}
%% expect: 100
%% expect: yes no
-module(ch02_patterns).
-export([main/0]).

%% Strict: an unexpected message is an error, right here.
step(Balance, {deposit, Amount}) when Amount > 0 ->
    Balance + Amount;
step(Balance, {withdraw, Amount})
  when 0 < Amount, Amount =< Balance ->
    Balance - Amount.

%% Lenient: the catch-all ignores anything else,
%% typos included.
lenient(Balance, {deposit, Amount}) -> Balance + Amount;
lenient(Balance, _Other) -> Balance.

%% A variable that is already bound is compared.
is_expected(Expected, Reply) ->
    case Reply of
        Expected -> yes;
        _ -> no
    end.

main() ->
    io:format("~p~n", [step(100, {deposit, 50})]),
    Result = try step(100, {withdraw, 500})
             catch error:Reason -> {error, Reason}
             end,
    io:format("~p~n", [Result]),
    io:format("~p~n", [lenient(100, {deposti, 50})]),
    Yes = is_expected(ok, ok),
    No = is_expected(ok, error),
    io:format("~p ~p~n", [Yes, No]).
