%% ch03_account.erl: book/ch03-processes.md, box "In Erlang".
%% run: erlc ch03_account.erl && erl -noshell -s ch03_account main -s init stop
%% expect: {balance,800}
%% expect: gave_up
-module(ch03_account).
-export([main/0, loop/1]).

%% The account owns its balance; others change it only by sending messages.
loop(Balance) ->
    receive
        {deposit, Amount} -> loop(Balance + Amount);
        {balance, Caller} -> Caller ! {balance, Balance}, loop(Balance);
        stop -> Balance
    end.

depositor(Account, N, Boss) ->
    [Account ! {deposit, 1} || _ <- lists:seq(1, N)],
    Boss ! done.

main() ->
    Account = spawn(?MODULE, loop, [0]),
    Self = self(),
    [spawn(fun() -> depositor(Account, 200, Self) end) || _ <- lists:seq(1, 4)],
    [receive done -> ok end || _ <- lists:seq(1, 4)],
    Account ! {balance, self()},
    receive Reply -> io:format("~p~n", [Reply]) end,
    %% A receive with a timeout, in milliseconds.
    receive answer -> io:format("got it~n")
    after 200 -> io:format("gave_up~n")
    end.
