"""The trio kernel as a guest of an asyncio loop, the way a Jupyter kernel runs it."""
import asyncio
import threading

import labrt
from labrt import receive, send


async def echo():
    while True:
        sender, text = await receive()
        send(sender, ("echo", text))


async def collector(box):
    while True:
        box.append(await receive())


def test_guest_mode_runs_processes_while_the_host_loop_stays_free():
    """Cells (host callbacks) can spawn and send while trio runs as a guest."""
    box = []
    ticks = []

    async def host():
        rt = labrt.Runtime(kernel="trio", reports=None)
        rt.start()
        await asyncio.sleep(0.05)
        e = rt.spawn(echo)
        c = rt.spawn(collector, box)
        assert isinstance(e, labrt.Pid) and isinstance(c, labrt.Pid)
        for i in range(3):
            rt.send(e, (c, f"hello {i}"))
            ticks.append(i)               # the host loop is never blocked
            await asyncio.sleep(0.02)
        for _ in range(100):
            if len(box) == 3:
                break
            await asyncio.sleep(0.01)
        rt.exit(e, "kill")
        await asyncio.sleep(0.05)
        alive = rt.is_alive(e)
        rt.stop()
        await asyncio.sleep(0.05)
        return alive

    # A fresh thread gives the host loop a thread of its own, as a Jupyter
    # kernel has (another test's tool may already run a loop in this one).
    result = {}
    worker = threading.Thread(target=lambda: result.update(alive=asyncio.run(host())))
    worker.start()
    worker.join(60)
    alive = result["alive"]
    assert box == [("echo", "hello 0"), ("echo", "hello 1"), ("echo", "hello 2")]
    assert ticks == [0, 1, 2]
    assert alive is False
