"""Small processes and waits shared by the semantics tests (test_semantics_*.py)."""
from labrt import TIMEOUT, Down, receive, sleep, spawn_monitor


async def drain():
    """Take every message that is in the mailbox now, oldest first."""
    out = []
    while (m := await receive(timeout=0)) is not TIMEOUT:
        out.append(m)
    return out


async def wait_down(ref):
    """Wait for the DOWN of monitor ``ref``."""
    return await receive(lambda m: isinstance(m, Down) and m.ref == ref)


async def settle():
    """Give any stray work a chance to run (instant on the simulated kernel)."""
    await sleep(0.02)


async def idle():
    """Wait forever (until an exit signal ends the process)."""
    await receive("never sent")


async def dead_pid():
    pid, ref = spawn_monitor(lambda: None)
    await wait_down(ref)
    return pid
