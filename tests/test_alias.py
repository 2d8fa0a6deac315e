"""Process aliases (OTP 24+): a ref that reaches its owner until deactivated."""
import labrt
from labrt import alias, receive, self, send, spawn, unalias, sleep, TIMEOUT


async def sender(to, msg):
    send(to, msg)


def test_alias_delivers_until_unalias(run_on):
    """A message to an active alias arrives; after unalias it is dropped, not queued."""
    async def main():
        a = alias()
        spawn(sender, a, "first")
        got = await receive(timeout=1)
        was_active = unalias(a)
        spawn(sender, a, "late")
        await sleep(0.1)
        late = await receive(timeout=0)
        return got, was_active, late, unalias(a)

    assert run_on(main) == ("first", True, TIMEOUT, False)


def test_alias_of_a_dead_process_is_inactive(run_on):
    """When its owner dies, an alias reaches nobody and sending to it never fails."""
    async def owner(parent):
        send(parent, alias())

    async def main():
        spawn(owner, self())
        a = await receive()
        await sleep(0.1)
        return send(a, "anyone?")

    assert run_on(main) == "anyone?"


def test_only_the_owner_can_unalias():
    """unalias of another process's alias returns False and leaves it active."""
    async def owner(parent):
        send(parent, alias())
        return await receive()

    async def main():
        p = spawn(owner, self())
        a = await receive()
        stolen = unalias(a)
        send(a, "still works")
        return stolen

    rt = labrt.Runtime(reports=None)
    pid = rt.spawn(main)
    rt.run()
    assert rt.result(pid) is False
    assert rt.trace.filter(kind="receive")[-1].data == "still works"
