"""global's prevent_overlapping_partitions in labrt's simulated distribution."""
import labrt


def _three(flag):
    w = labrt.World(seed=0, prevent_overlapping_partitions=flag)
    for n in ("a@h", "b@h", "c@h"):
        w.node(n)
    w.connection(0, 1); w.connection(0, 2); w.connection(1, 2)
    return w


def test_off_by_default_keeps_c_connected():
    """With the option off (labrt's default), c stays connected to a and b."""
    w = _three(False)
    w.disconnect(0, 1, "disconnect", "connection_closed")
    assert w.connected("c@h") == ["a@h", "b@h"]


def test_on_c_disconnects_from_both():
    """With the option on, c drops both a and b when a drops b."""
    w = _three(True)
    w.disconnect(0, 1, "disconnect", "connection_closed")
    assert w.connected("c@h") == []
    assert w.connected("a@h") == [] and w.connected("b@h") == []
