"""Workloads on plain trio: one task per actor, an unbounded memory channel as its mailbox.

Sends use send_nowait on a channel with an infinite buffer (a send never suspends).
The receiver uses `await receive()`, which always passes through trio's scheduler.
"""
import math
import time

import trio
import trio.testing

from memory import HeapProbe


def _mailbox():
    return trio.open_memory_channel(math.inf)


def pingpong(n):
    async def ponger(inbox):
        for _ in range(n):
            reply_to, i = await inbox.receive()
            reply_to.send_nowait(i)

    async def main():
        my_tx, my_rx = _mailbox()
        their_tx, their_rx = _mailbox()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(ponger, their_rx)
            for i in range(n):
                their_tx.send_nowait((my_tx, i))
                await my_rx.receive()

    t0 = time.perf_counter()
    trio.run(main)
    return time.perf_counter() - t0


def oneway(n):
    async def sender(dest):
        for i in range(n):
            dest.send_nowait(i)

    async def main():
        tx, rx = _mailbox()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(sender, tx)
            for _ in range(n):
                await rx.receive()

    t0 = time.perf_counter()
    trio.run(main)
    return time.perf_counter() - t0


def spawn_exit(n):
    async def main():
        done_tx, done_rx = _mailbox()
        left = [n]

        async def child():
            left[0] -= 1
            if not left[0]:
                done_tx.send_nowait("done")

        async with trio.open_nursery() as nursery:
            for _ in range(n):
                nursery.start_soon(child)
            await done_rx.receive()

    t0 = time.perf_counter()
    trio.run(main)
    return time.perf_counter() - t0


def idle_bytes(n):
    probe = HeapProbe()

    async def idle(inbox):
        await inbox.receive()

    async def main():
        probe.start()
        async with trio.open_nursery() as nursery:
            boxes = [_mailbox() for _ in range(n)]
            for _tx, rx in boxes:
                nursery.start_soon(idle, rx)
            await trio.testing.wait_all_tasks_blocked()
            used = probe.delta()
            probe.stop()
            for tx, _rx in boxes:
                tx.send_nowait("stop")
        return used / n

    return trio.run(main)
