%% ch02_account.erl: book/ch02-functional.md, box "In Erlang: a fold and a loop".
%% run: erlc ch02_account.erl && erl -noshell -s ch02_account main -s init stop
%% expect: 25
%% expect: 1000000
-module(ch02_account).
-export([main/0]).

step(Balance, {deposit, Amount}) when Amount > 0 ->
    Balance + Amount;
step(Balance, {withdraw, Amount})
  when 0 < Amount, Amount =< Balance ->
    Balance - Amount.

%% The loop is a tail call with the new state:
%% it runs in constant space.
account(Balance) ->
    receive
        {get, From} ->
            From ! {balance, Balance},
            account(Balance);
        stop -> ok;
        Msg -> account(step(Balance, Msg))
    end.

main() ->
    Msgs = [{deposit, 100}, {withdraw, 30},
            {deposit, 5}, {withdraw, 50}],
    Step = fun(Msg, Balance) -> step(Balance, Msg) end,
    io:format("~p~n", [lists:foldl(Step, 0, Msgs)]),
    Pid = spawn(fun() -> account(0) end),
    Deposit = fun(_) -> Pid ! {deposit, 1} end,
    lists:foreach(Deposit, lists:seq(1, 1000000)),
    Pid ! {get, self()},
    receive {balance, B} -> io:format("~p~n", [B]) end,
    Pid ! stop.
