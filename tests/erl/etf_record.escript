#!/usr/bin/env escript
%% Print term_to_binary of each Erlang term text read from stdin (one per line), as
%% "plain HEX compressed HEX". Used to (re)record etf_expected.txt; see test_erl_etf.py.
main(_) -> loop().

loop() ->
    case io:get_line("") of
        eof -> ok;
        Line ->
            {ok, Toks, _} = erl_scan:string(string:trim(Line) ++ "."),
            {ok, [Expr]} = erl_parse:parse_exprs(Toks),
            {value, T, _} = erl_eval:expr(Expr, []),
            P = term_to_binary(T, [{minor_version, 2}]),
            C = term_to_binary(T, [{minor_version, 2}, {compressed, 9}]),
            io:format("~s ~s~n", [binary:encode_hex(P), binary:encode_hex(C)]),
            loop()
    end.
