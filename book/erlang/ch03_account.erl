%% ch03_account.erl: book/ch03-processes.md, box "In Erlang".
%% run: erlc ch03_account.erl && erl -noshell -s ch03_account main -s init stop
%% expect: {balance,800}
%% expect: gave_up
%% expect: {schedulers_online,1,spinner_alive,true}
-module(ch03_account).
-export([main/0, loop/1]).

%% The account owns its balance; others change it only by sending messages.
loop(Balance) ->
    receive
        {deposit, Amount} -> loop(Balance + Amount);
        {balance, Caller} -> Caller ! {balance, Balance}, loop(Balance);
        stop -> Balance
    end.

%% After its deposits, a depositor asks for a receipt: the answer
%% comes after the account has handled every deposit it sent.
depositor(Account, N, Boss) ->
    [Account ! {deposit, 1} || _ <- lists:seq(1, N)],
    Account ! {balance, self()},
    receive {balance, _} -> ok end,
    Boss ! done.

main() ->
    %% One scheduler, and a process that computes for ever without
    %% waiting: the BEAM preempts it, so the others still run.
    erlang:system_flag(schedulers_online, 1),
    Spinner = spawn(fun Spin() -> Spin() end),
    Account = spawn(?MODULE, loop, [0]),
    Self = self(),
    [spawn(fun() -> depositor(Account, 200, Self) end) || _ <- lists:seq(1, 4)],
    [receive done -> ok end || _ <- lists:seq(1, 4)],
    Account ! {balance, self()},
    receive Reply -> io:format("~p~n", [Reply]) end,
    %% A receive with a timeout, in milliseconds.
    receive answer -> io:format("got it~n")
    after 200 -> io:format("gave_up~n")
    end,
    io:format("~p~n", [{schedulers_online, erlang:system_info(schedulers_online),
                        spinner_alive, is_process_alive(Spinner)}]),
    exit(Spinner, kill).
