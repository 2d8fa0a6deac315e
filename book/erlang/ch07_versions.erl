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
local() ->
    receive {From, which} -> From ! {local, vsn()} end,
    local().                   % local call: same version
remote() ->
    receive {From, which} -> From ! {remote, vsn()} end,
    ticker:remote().           % qualified: current version
".

which(Pids) ->
    [begin P ! {self(), which}, receive A -> A end end
     || P <- Pids].

main() ->
    load(ticker(1)),
    Local = spawn(ticker, local, []),
    Remote = spawn(ticker, remote, []),
    Ref = monitor(process, Local),
    load(ticker(2)),
    p({after_loading_v2, which([Local, Remote])}),
    p({and_now, which([Local, Remote])}),
    p({soft_purge, code:soft_purge(ticker)}),
    load(ticker(3)),            % a third: version 1 must go
    receive {'DOWN', Ref, process, Local, Why} ->
        p({local_ended, Why})
    end,
    [Answer] = which([Remote]),
    p(Answer).

load(Source) ->        % compile a module from source text; load it
    {ok, Tokens, _} = erl_scan:string(Source),
    Forms = [begin {ok, F} = erl_parse:parse_form(T), F end
             || T <- forms(Tokens, [])],
    {ok, Mod, Bin} = compile:forms(Forms),
    {module, Mod} = code:load_binary(Mod, "ticker.erl", Bin).

forms([], []) -> [];
forms([{dot, _} = Dot | Rest], Acc) ->
    [lists:reverse([Dot | Acc]) | forms(Rest, [])];
forms([Token | Rest], Acc) -> forms(Rest, [Token | Acc]).

p(Term) -> io:format("~p~n", [Term]).
