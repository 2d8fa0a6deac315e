"""A node crashed and restarted at once keeps its new connections."""
import labrt
from labrt.dist import World


def test_restart_right_after_a_crash_keeps_the_new_connection():
    """The close of the crashed node's old connection must not drop the new one (store's report)."""
    w = World(seed=1, reports=None)
    a, b = w.node("a@h"), w.node("b@h")
    seen = []

    async def watcher():
        labrt.monitor_nodes(True)
        while True:
            seen.append((round(labrt.now(), 3), await labrt.receive()))

    async def ping():
        labrt.send(("nobody", "b@h"), "hello")   # contact: the connection comes up

    a.spawn(watcher)
    a.spawn(ping)
    w.run_for(0.1)
    w.crash("b@h")
    w.restart("b@h")
    a.spawn(ping)
    w.run_for(5.0)
    assert [m for _, m in seen] == [("nodeup", "b@h"), ("nodedown", "b@h"), ("nodeup", "b@h")]
    assert w.connected("a@h") == ["b@h"]
