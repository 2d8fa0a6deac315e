%% ch07_upgrade.erl: book/ch07-upgrades.md, box "In Erlang" (naive upgrade and the recipe).
%% run: erlc ch07_upgrade.erl && erl -noshell -s ch07_upgrade main -s init stop
%% expect: {v1_vsn_is_its_md5,true}
%% expect: {v2_get,500}
%% expect: {crashed,{badmatch,500},[kv,{put,alice,600}]}
%% expect: {kv_still_there,undefined}
%% expect: {message_queue_len,1}
%% expect: {change_code,ok}
%% expect: {late_call_answered_by_v2,{ok,2}}
%% expect: {state,#{alice => {600,2}}}
-module(ch07_upgrade).
-export([main/0]).

v1() -> "
-module(kv).
-export([init/1, handle_call/3, handle_cast/2]).
init(none) -> {ok, #{}}.
handle_call({get, K}, _From, Store) ->
    {reply, maps:get(K, Store, none), Store};
handle_call({put, K, V}, _From, Store) ->
    {reply, ok, Store#{K => V}}.
handle_cast(_, Store) -> {noreply, Store}.
".

v2() -> "
-module(kv).
-export([init/1, handle_call/3, handle_cast/2,
         code_change/3]).
init(none) -> {ok, #{}}.
handle_call({get, K}, _From, Store) ->
    {reply, maps:get(K, Store, none), Store};
handle_call({put, K, V}, _From, Store) ->
    {_, N} = maps:get(K, Store, {none, 0}),
    {reply, {ok, N + 1}, Store#{K => {V, N + 1}}}.
handle_cast(_, Store) -> {noreply, Store}.
code_change(1, Store, _Extra) ->
    {ok, maps:map(fun(_K, V) -> {V, 1} end, Store)}.
".

main() ->
    logger:set_primary_config(level, none),  % no reports
    naive(),
    recipe().

%% The naive way: load version 2 under a running server.
naive() ->
    load(v1()),
    %% No -vsn(...) in the source: the version is the module's MD5.
    [V1] = proplists:get_value(vsn, kv:module_info(attributes)),
    p({v1_vsn_is_its_md5, V1 =:= binary:decode_unsigned(kv:module_info(md5))}),
    {ok, _} = gen_server:start({local, kv}, kv, none, []),
    ok = gen_server:call(kv, {put, alice, 500}),
    load(v2()),
    p({v2_get, gen_server:call(kv, {get, alice})}),
    try gen_server:call(kv, {put, alice, 600})
    catch
        exit:{{{badmatch, V}, _Stack}, {gen_server, call, A}}
          -> p({crashed, {badmatch, V}, A})
    end,
    p({kv_still_there, whereis(kv)}).

recipe() ->                        % suspend, load, change_code, resume
    load(v1()),
    {ok, Pid} = gen_server:start({local, kv}, kv, none, []),
    ok = gen_server:call(kv, {put, alice, 500}),
    ok = sys:suspend(kv),
    Self = self(),
    spawn(fun() ->                 % a client calls while kv is suspended
              Reply = gen_server:call(kv, {put, alice, 600}),
              Self ! {late, Reply}
          end),
    timer:sleep(100),
    p(process_info(Pid, message_queue_len)),
    load(v2()),
    p({change_code, sys:change_code(kv, kv, 1, none)}),
    ok = sys:resume(kv),
    receive {late, R} -> p({late_call_answered_by_v2, R}) end,
    p({state, sys:get_state(kv)}).

load(Source) ->        % compile a module from source text; load it
    {ok, Tokens, _} = erl_scan:string(Source),
    Forms = [begin {ok, F} = erl_parse:parse_form(T), F end
             || T <- forms(Tokens, [])],
    {ok, Mod, Bin} = compile:forms(Forms),
    {module, Mod} = code:load_binary(Mod, "kv.erl", Bin).

forms([], []) -> [];
forms([{dot, _} = Dot | Rest], Acc) ->
    [lists:reverse([Dot | Acc]) | forms(Rest, [])];
forms([Token | Rest], Acc) -> forms(Rest, [Token | Acc]).

p(Term) -> io:format("~p~n", [Term]).
