"""Terms written in Erlang and the Python value each must decode to.

`etf_record.escript` turns each Erlang text into `term_to_binary(T,
[{minor_version, 2}])` (and a compressed variant); `etf_expected.txt` holds
the recorded hex, so the decoding tests run where `erl` is absent.
"""
from labrt import Down, Exit, Pid, Ref
from labrt.erl.etf import BitBinary, Charlist, ImproperList, RemoteError

# The node of an escript that is not distributed: nonode@nohost, creation 0.
CORPUS = [
    ("0", 0),
    ("255", 255),
    ("256", 256),
    ("-1", -1),
    ("2147483647", 2147483647),
    ("-2147483648", -2147483648),
    ("2147483648", 2147483648),
    ("-2147483649", -2147483649),
    ("123456789012345678901234567890", 123456789012345678901234567890),
    ("-(1 bsl 2100)", -(1 << 2100)),
    ("1.5", 1.5),
    ("-0.0", -0.0),
    ("1.0e300", 1.0e300),
    ("ok", "ok"),
    ("'EXIT'", "EXIT"),
    ("true", True),
    ("false", False),
    ("undefined", None),
    ("'hello world'", "hello world"),
    ("'\\x{263A}smile'", "\u263asmile"),
    ("{}", ()),
    ("{ok, 1}", ("ok", 1)),
    ("{a, {b, {c, []}}}", ("a", ("b", ("c", [])))),
    ("list_to_tuple(lists:seq(1, 300))", tuple(range(1, 301))),
    ("[]", []),
    ("[1, 2, 3]", Charlist("\x01\x02\x03")),
    ("[1, 2, 300]", [1, 2, 300]),
    ("[a, b]", ["a", "b"]),
    ("[a | b]", ImproperList(("a",), "b")),
    ("[1, 2 | 3]", ImproperList((1, 2), 3)),
    ("\"hello\"", Charlist("hello")),
    ("[{x, 1}, {y, 2}]", [("x", 1), ("y", 2)]),
    ("<<>>", b""),
    ("<<1, 2, 3>>", b"\x01\x02\x03"),
    ("<<1, 2:3>>", BitBinary(b"\x01\x40", 3)),
    ("#{}", {}),
    ("#{a => 1, b => [1000]}", {"a": 1, "b": [1000]}),
    ("#{{k, 1} => <<\"v\">>}", {("k", 1): b"v"}),
    ("list_to_pid(\"<0.42.0>\")", Pid(0, 42)),
    ("{'EXIT', list_to_pid(\"<0.7.0>\"), normal}", Exit(Pid(0, 7), "normal")),
    ("{'EXIT', list_to_pid(\"<0.7.0>\"), {shutdown, x}}", Exit(Pid(0, 7), ("shutdown", "x"))),
    ("{'DOWN', list_to_ref(\"#Ref<0.1.2.3>\"), process, list_to_pid(\"<0.9.0>\"), noproc}",
     Down(Ref(0, 3 | (2 << 32) | (1 << 64)), Pid(0, 9), "noproc")),
    ("{python_error, 'ZeroDivisionError', <<\"division by zero\">>}",
     RemoteError("ZeroDivisionError", "division by zero")),
    ("lists:duplicate(70000, $a)", [97] * 70000),
]
