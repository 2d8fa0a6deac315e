"""Store differential tests: the same Mnesia scenarios on real BEAM peers and on labrt.store
print the same lines.  ``beam_expected.txt`` is the BEAM's output (OTP 25), so labrt is
compared with it where Erlang is absent; where ``erl`` is present a live run checks the
recording too."""
import difflib

import pytest

from . import harness

needs_erl = pytest.mark.skipif(not harness.erl_available(),
                               reason="no Erlang on PATH; the BEAM side cannot run")


def _sections(lines):
    out, name = {}, None
    for line in lines:
        if line.startswith("=== "):
            name = line[4:]
            out[name] = []
        else:
            out[name].append(line)
    return out


@pytest.fixture(scope="module")
def labrt_lines():
    return harness.run_labrt()


@pytest.mark.parametrize("name", ["forms", "retries", "replication", "partition",
                                  "master_nodes", "schema_ops", "not_active",
                                  "force_load"])
def test_labrt_prints_what_the_beam_printed(labrt_lines, name):
    """labrt.store prints the recorded BEAM lines for this scenario, exactly."""
    want = _sections(harness.recorded())[name]
    got = _sections(labrt_lines)[name]
    assert got == want, "\n".join(difflib.unified_diff(want, got, "beam", "labrt", lineterm=""))


def test_show_prints_terms_as_erlang():
    """The printer: atoms, tuples, lists, node roles, quoted atoms, badarith."""
    assert harness.show(("aborted", ("no_exists", ["t", 1]))) == "{aborted,{no_exists,[t,1]}}"
    assert harness.show(["a@localhost", "EXIT", ZeroDivisionError()]) == "[a,'EXIT',badarith]"


@pytest.mark.erlang
@needs_erl
def test_recording_matches_live_beam():
    """A fresh BEAM run prints what beam_expected.txt recorded."""
    assert harness.run_beam() == harness.recorded()
