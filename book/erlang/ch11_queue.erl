%% Chapter 11: an ordered queue to the ledger, cumulative acks, each purchase booked once (OTP 25).
%%
%% The ledger takes each front's entries strictly in sequence order.  An entry
%% after a gap is refused (the ack says how far the ledger got), and a
%% purchase id that is already in the books is not booked again.  The front
%% keeps every entry until an ack covers it and then sends the rest again.
%% Here entry 2 from front fe1 is lost on the way, and later front fe2 sends
%% purchase p2 as well, the way a retried purchase reaches a second front.
%%
%% expect: {sent,[1,3]}
%% expect: {acked,1}
%% expect: {acked,1}
%% expect: {resent,[2,3]}
%% expect: {acked,2}
%% expect: {acked,3}
%% expect: {fe2_sends,p2}
%% expect: {acked,1}
%% expect: {books,[{p1,fe1},{p2,fe1},{p3,fe1}],decided_twice,[p2]}
-module(ch11_queue).
-export([main/0]).

%% The ledger: Next is each front's next sequence number, Books maps a purchase
%% to the front that booked it, Twice lists purchases two fronts decided.
ledger(Next, Books, Twice) ->
    receive
        {append, Front, Seq, Id, From} ->
            case maps:get(Front, Next, 1) of
                Seq ->                                  % the next one: book it
                    {Books1, Twice1} =
                        case Books of
                            #{Id := Front} -> {Books, Twice};          % seen again
                            #{Id := _} -> {Books, [Id | Twice]};       % another front
                            #{} -> {Books#{Id => Front}, Twice}
                        end,
                    From ! {acked, Seq},
                    ledger(Next#{Front => Seq + 1}, Books1, Twice1);
                Expect ->                               % after a gap, or old: refuse
                    From ! {acked, Expect - 1},
                    ledger(Next, Books, Twice)
            end;
        {report, From} ->
            From ! {books, lists:sort(maps:to_list(Books)), Twice},
            ledger(Next, Books, Twice)
    end.

%% The front's side: send entries, read acks, resend what no ack covers.
main() ->
    Ledger = spawn(fun() -> ledger(#{}, #{}, []) end),
    Queue = #{1 => p1, 2 => p2, 3 => p3},               % Seq => purchase, kept on disk
    Out = fun(T) -> io:format("~p~n", [T]) end,
    [append(Ledger, fe1, S, Queue) || S <- [1, 3]],     % entry 2 is lost on the way
    Out({sent, [1, 3]}),
    Acked = acks(2, Out),
    Unacked = [S || S <- lists:sort(maps:keys(Queue)), S > Acked],
    Out({resent, Unacked}),
    [append(Ledger, fe1, S, Queue) || S <- Unacked],
    3 = acks(2, Out),
    Out({fe2_sends, p2}),
    append(Ledger, fe2, 1, #{1 => p2}),
    1 = acks(1, Out),
    Ledger ! {report, self()},
    receive {books, Books, Twice} -> Out({books, Books, decided_twice, Twice}) end,
    ok.
%% end

append(Ledger, Front, Seq, Queue) ->
    Ledger ! {append, Front, Seq, maps:get(Seq, Queue), self()}.

acks(N, Out) -> acks(N, Out, 0).
acks(0, _Out, Last) -> Last;
acks(N, Out, _) ->
    receive {acked, A} -> Out({acked, A}), acks(N - 1, Out, A) end.
