#!/usr/bin/env escript
%%! -sname labrt_bench_a -setcookie labrt_bench
%% Erlang-to-Erlang baseline for labrt's real-node benchmark (bench/wl_erl.py):
%% one-way messages and ping-pong round trips between two nodes on loopback.
%% Usage: escript dist_bench.escript oneway|pingpong N  -> prints "seconds S"
main([Metric, NText]) ->
    N = list_to_integer(NText),
    {ok, Peer, Node} = peer:start_link(#{name => labrt_bench_b, args => ["-setcookie", "labrt_bench"]}),
    Me = self(),
    Seconds = case Metric of
        "oneway" ->
            Sink = spawn(Node, fun() -> sink(N, Me) end),
            T0 = erlang:monotonic_time(),
            [Sink ! {msg, I} || I <- lists:seq(1, N)],
            receive done -> ok end,
            elapsed(T0);
        "pingpong" ->
            Echo = spawn(Node, fun Echo() -> receive {From, X} -> From ! X, Echo() end end),
            T0 = erlang:monotonic_time(),
            pingpong(Echo, N),
            elapsed(T0)
    end,
    peer:stop(Peer),
    io:format("seconds ~.6f~n", [Seconds]).

sink(0, Parent) -> Parent ! done;
sink(N, Parent) -> receive {msg, _} -> sink(N - 1, Parent) end.

pingpong(_, 0) -> ok;
pingpong(Echo, N) -> Echo ! {self(), N}, receive N -> pingpong(Echo, N - 1) end.

elapsed(T0) ->
    erlang:convert_time_unit(erlang:monotonic_time() - T0, native, microsecond) / 1.0e6.
