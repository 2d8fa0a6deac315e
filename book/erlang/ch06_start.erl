%% ch06_start.erl: book/ch06-behaviours.md, box "In Erlang" (a failed start, OTP 25).
%% run: erlc ch06_start.erl && erl -noshell -s ch06_start main -s init stop
%% The expected lines are OTP 25's (the BEAM these tests run on). On OTP 26
%% and later, start_link consumes the EXIT, so every mailbox is [], and
%% {error, no_disk} from init is a legal result, so start_link returns it.
%% expect: {otp_release,"25"}
%% expect: {stop,{error,no_disk},mailbox,[{'EXIT',server,no_disk}]}
%% expect: {error,{error,{bad_return_value,{error,no_disk}}},mailbox,[{'EXIT',server,{bad_return_value,{error,no_disk}}}]}
%% expect: {ignore,ignore,mailbox,[{'EXIT',server,normal}]}
-module(ch06_start).
-behaviour(gen_server).
-export([main/0, init/1, handle_call/3, handle_cast/2]).

init(stop) -> {stop, no_disk};
init(error) -> {error, no_disk};               % legal only from OTP 26 on
init(ignore) -> ignore.

handle_call(_, _, S) -> {reply, ok, S}.
handle_cast(_, S) -> {noreply, S}.

main() ->
    logger:set_primary_config(level, none),
    process_flag(trap_exit, true),             % like a supervisor
    io:format("~p~n", [{otp_release, erlang:system_info(otp_release)}]),
    [begin
         Result = gen_server:start_link(?MODULE, How, []),
         timer:sleep(50),
         {messages, Mailbox} = process_info(self(), messages),
         [receive _ -> ok end || _ <- Mailbox],
         io:format("~w~n", [{How, Result, mailbox, [server_named(M) || M <- Mailbox]}])
     end || How <- [stop, error, ignore]].

server_named({'EXIT', Pid, Why}) when is_pid(Pid) -> {'EXIT', server, Why}.
