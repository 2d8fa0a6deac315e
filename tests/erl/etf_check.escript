#!/usr/bin/env escript
%% Read lines "ERLANG-TEXT<TAB>HEX" from stdin; print "ok" when binary_to_term(HEX)
%% equals the term the text evaluates to, else "mismatch: <what Erlang decoded>".
main(_) -> loop().

loop() ->
    case io:get_line("") of
        eof -> ok;
        Line ->
            [Text, Hex] = string:split(string:trim(Line, trailing, "\n"), "\t"),
            {ok, Toks, _} = erl_scan:string(Text ++ "."),
            {ok, [Expr]} = erl_parse:parse_exprs(Toks),
            {value, T, _} = erl_eval:expr(Expr, []),
            Got = binary_to_term(binary:decode_hex(list_to_binary(Hex))),
            case Got =:= T of
                true -> io:format("ok~n");
                false -> io:format("mismatch: ~w~n", [Got])
            end,
            loop()
    end.
