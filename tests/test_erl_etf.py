"""The external term format codec (labrt.erl.etf) against a real BEAM's bytes.

The BEAM's `term_to_binary` of every term in tests/erl/etf_corpus.py is
recorded in tests/erl/etf_expected.txt; labrt must decode each to the Python
value the corpus names and encode that value back to the same bytes. When
`erl` is present, the BEAM also decodes labrt's encoding and compares it with
the term. Re-record with:  python tests/test_erl_etf.py --record
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labrt import Pid, Ref
from labrt.erl import etf
from labrt.erl.etf import Charlist, ETFError, ImproperList, Limits, NodeTable

HERE = Path(__file__).parent / "erl"
sys.path.insert(0, str(HERE))
from etf_corpus import CORPUS  # noqa: E402

EXPECTED = HERE / "etf_expected.txt"


def table():
    return NodeTable("nonode@nohost", local_creation=0)


def recorded():
    lines = [l for l in EXPECTED.read_text().splitlines() if l and not l.startswith("#")]
    assert len(lines) == len(CORPUS), "etf_expected.txt is out of date: re-record it"
    return [tuple(bytes.fromhex(h) for h in l.split()) for l in lines]


def same(a, b) -> bool:
    """Equal, and of the same types all the way down (1 == True must not pass)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return repr(a) == repr(b)
    return a == b


@pytest.mark.parametrize("i", range(len(CORPUS)), ids=[t[:40] for t, _ in CORPUS])
def test_decodes_the_beams_bytes(i):
    """Each recorded term_to_binary decodes to the corpus's value, compressed or not."""
    text, want = CORPUS[i]
    plain, compressed = recorded()[i]
    assert same(etf.decode(plain, nodes=table()), want)
    assert same(etf.decode(compressed, nodes=table()), want)


@pytest.mark.parametrize("i", range(len(CORPUS)), ids=[t[:40] for t, _ in CORPUS])
def test_encodes_to_the_beams_bytes(i):
    """Encoding the corpus's value gives exactly the BEAM's bytes."""
    text, value = CORPUS[i]
    plain, _ = recorded()[i]
    assert etf.encode(value, nodes=table()) == plain


@pytest.mark.skipif(shutil.which("escript") is None, reason="needs a real Erlang (escript)")
def test_the_beam_decodes_labrts_encoding():
    """A live BEAM reads labrt's bytes back as the very term the corpus names."""
    lines = "".join(f"{text}\t{etf.encode(v, nodes=table()).hex().upper()}\n"
                    for text, v in CORPUS)
    out = subprocess.run(["escript", str(HERE / "etf_check.escript")], input=lines,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["ok"] * len(CORPUS)


@pytest.mark.skipif(shutil.which("escript") is None, reason="needs a real Erlang (escript)")
def test_recording_is_current():
    """The recorded bytes are what this machine's BEAM produces now."""
    assert record(write=False) == recorded()


def record(write=True):
    inp = "".join(text + "\n" for text, _ in CORPUS)
    out = subprocess.run(["escript", str(HERE / "etf_record.escript")], input=inp,
                         capture_output=True, text=True, timeout=60, check=True)
    rows = out.stdout.splitlines()
    if write:
        EXPECTED.write_text(
            "# term_to_binary(T, [{minor_version, 2}]) and the same with {compressed, 9},\n"
            "# for each term of etf_corpus.py in order; re-record: see tests/test_erl_etf.py\n"
            + "".join(r + "\n" for r in rows))
    return [tuple(bytes.fromhex(h) for h in r.split()) for r in rows]


# ---------------------------------------------------------------------------
# Hostile input: every bad frame is an ETFError with a reason, never a crash.

BAD = {
    "empty": b"",
    "no version byte": b"\x61\x01",
    "truncated integer": b"\x83\x62\x00\x00",
    "truncated atom": b"\x83\x77\x05ab",
    "unknown tag": b"\x83\xff",
    "leftover bytes": b"\x83\x61\x01\x61",
    "list claims 4 billion elements": b"\x83\x6c\xff\xff\xff\xff\x6a",
    "tuple claims 4 billion elements": b"\x83\x69\xff\xff\xff\xff",
    "map claims 2 billion pairs": b"\x83\x74\x7f\xff\xff\xff",
    "huge bignum": b"\x83\x6f\x00\x01\x00\x00\x00" + b"\x01" * 65536,
    "bad sign byte": b"\x83\x6e\x01\x02\x05",
    "atom not utf-8": b"\x83\x77\x02\xff\xfe",
    "atom too long": b"\x83\x76\x01\x2c" + b"a" * 300,
    "nan float": b"\x83\x46\x7f\xf8\x00\x00\x00\x00\x00\x00",
    "pid with a non-atom node": b"\x83\x58\x61\x01" + b"\x00" * 12,
    "reference with 9 words": b"\x83\x5a\x00\x09\x77\x01a" + b"\x00" * 40,
    "zip bomb": b"\x83\x50" + (50_000_000).to_bytes(4, "big") + zlib.compress(b"\x6a" * 10),
    "compressed size lie": b"\x83\x50\x00\x00\x00\x05" + zlib.compress(b"\x61\x01"),
    "compressed garbage": b"\x83\x50\x00\x00\x00\x02" + b"notzlib",
    "deep nesting": b"\x83" + b"\x68\x01" * 100_000 + b"\x6a",
    "old fun": b"\x83\x75\x00\x00\x00\x00",
    "map key a list of non-bytes": b"\x83\x74\x00\x00\x00\x01\x6c\x00\x00\x00\x01\x62\x00\x00\x10\x00\x6a\x61\x01",
    "bit binary with 0 bits": b"\x83\x4d\x00\x00\x00\x01\x00\x01",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_frames_are_rejected_with_a_reason(name):
    """A malformed or oversized term is an ETFError naming what is wrong."""
    with pytest.raises(ETFError) as e:
        etf.decode(BAD[name], nodes=table())
    assert str(e.value)


def test_limits_are_configurable():
    """A node can lower the bounds: here, at most 4 nesting levels."""
    term = etf.encode(((((1,),),),))
    assert etf.decode(term) == ((((1,),),),)
    with pytest.raises(ETFError, match="nested deeper than 3"):
        etf.decode(term, limits=Limits(max_depth=3))


@settings(max_examples=3000, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=64))
def test_random_bytes_never_crash_the_decoder(data):
    """Whatever arrives, the decoder returns a value or raises ETFError."""
    try:
        etf.decode(b"\x83" + data, nodes=table())
    except ETFError:
        pass


atoms = st.text(min_size=1, max_size=20).filter(
    lambda s: s not in ("true", "false", "undefined"))
leaves = (st.integers(min_value=-(2**200), max_value=2**200) | st.booleans() | st.none()
          | st.floats(allow_nan=False, allow_infinity=False) | atoms | st.binary(max_size=20)
          | st.builds(Pid, st.just(0), st.integers(0, 2**31)))
values = st.recursive(leaves, lambda kids: (
    st.lists(kids, max_size=5).map(tuple)
    | st.lists(kids, max_size=5).filter(lambda l: not all(type(x) is int and 0 <= x < 256 for x in l) or not l)
    | st.dictionaries(atoms, kids, max_size=4)), max_leaves=25)


@settings(max_examples=500, derandomize=True, deadline=None)
@given(values)
def test_every_encodable_value_round_trips(v):
    """decode(encode(v)) == v for the values of labrt's mapping."""
    t = table()
    assert same(etf.decode(etf.encode(v, nodes=t), nodes=t), v)


@settings(max_examples=1000, derandomize=True, deadline=None)
@given(values, st.integers(0, 200), st.binary(max_size=3))
def test_mangled_valid_terms_never_crash(v, cut, junk):
    """A valid term cut short or with bytes spliced in is rejected cleanly or decodes."""
    raw = etf.encode(v, nodes=table())
    cut = min(cut, len(raw))
    try:
        etf.decode(raw[:cut] + junk + raw[cut + len(junk):], nodes=table())
    except ETFError:
        pass


def test_values_without_an_erlang_form_are_refused_clearly():
    """Sets, objects and infinities say what to send instead."""
    for bad in ({1, 2}, object(), float("inf"), "x" * 256):
        with pytest.raises(ETFError):
            etf.encode(bad)


def test_foreign_pids_and_refs_round_trip_exactly():
    """A pid with a serial and a creation, and a 5-word ref, go back unchanged."""
    t = table()
    raw_pid = (b"\x83\x58\x77\x06b@host" + (42).to_bytes(4, "big") + (3).to_bytes(4, "big")
               + (77).to_bytes(4, "big"))
    pid = etf.decode(raw_pid, nodes=t)
    assert etf.encode(pid, nodes=t) == raw_pid
    raw_ref = b"\x83\x5a\x00\x05\x77\x06b@host" + (77).to_bytes(4, "big") + b"\x00\x00\x00\x01" * 4 + b"\x00" * 4
    ref = etf.decode(raw_ref, nodes=t)
    assert etf.encode(ref, nodes=t) == raw_ref


def test_records_travel_only_when_registered():
    """A tuple whose tag names a registered dataclass becomes it; others stay tuples."""
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Purchase:
        id: int
        amount: int

    recs = etf.Records()
    raw = etf.encode(("purchase", 1, 100))
    assert etf.decode(raw, records=recs) == ("purchase", 1, 100)
    recs.register(Purchase)
    assert etf.decode(raw, records=recs) == Purchase(1, 100)
    assert etf.encode(Purchase(1, 100), records=recs) == raw


if __name__ == "__main__" and "--record" in sys.argv:
    record()
    print(f"recorded {len(CORPUS)} terms in {EXPECTED}")
