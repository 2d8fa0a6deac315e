%% ch07_versions.erl: book/ch07-upgrades.md, box "In Erlang" (two versions at most).
%% run: erlc ch07_versions.erl && erl -noshell -s ch07_versions main -s init stop
%% expect: {after_loading_v2,[{local,1},{remote,1}]}
%% expect: {and_now,[{local,1},{remote,2}]}
%% expect: {soft_purge,false}
%% expect: {local_ended,killed}
%% expect: {remote,2}
-module(ch07_versions).
-export([main/0]).

ticker(Vsn) -> "
-module(ticker).
-export([local/0, remote/0]).
vsn() -> " ++ integer_to_list(Vsn) ++ ".
local() -> receive {From, which} -> From ! {local, vsn()} end, local().
remote() -> receive {From, which} -> From ! {remote, vsn()} end, ticker:remote().
".

which(Pids) -> [begin P ! {self(), which}, receive Answer -> Answer end end || P <- Pids].

main() ->
    load(ticker(1)),
    Local = spawn(ticker, local, []),
    Remote = spawn(ticker, remote, []),
    Ref = monitor(process, Local),
    load(ticker(2)),
    io:format("~p~n", [{after_loading_v2, which([Local, Remote])}]),
    io:format("~p~n", [{and_now, which([Local, Remote])}]),
    io:format("~p~n", [{soft_purge, code:soft_purge(ticker)}]),
    load(ticker(3)),                               % a third version: version 1 must go
    receive {'DOWN', Ref, process, Local, Why} -> io:format("~p~n", [{local_ended, Why}]) end,
    [Answer] = which([Remote]),
    io:format("~p~n", [Answer]).

%% Compile a module from source text and load it, as a new version.
load(Source) ->
    {ok, Tokens, _} = erl_scan:string(Source),
    Forms = [begin {ok, F} = erl_parse:parse_form(T), F end || T <- forms(Tokens, [])],
    {ok, Module, Binary} = compile:forms(Forms),
    {module, Module} = code:load_binary(Module, atom_to_list(Module) ++ ".erl", Binary).

forms([], []) -> [];
forms([{dot, _} = Dot | Rest], Acc) -> [lists:reverse([Dot | Acc]) | forms(Rest, [])];
forms([Token | Rest], Acc) -> forms(Rest, [Token | Acc]).
