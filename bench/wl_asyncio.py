"""Workloads on plain asyncio: one task per actor, an asyncio.Queue as its mailbox.

Sends use put_nowait (a send never suspends, as in Erlang and labrt).
"""
import asyncio
import time

from memory import HeapProbe


def pingpong(n):
    async def ponger(inbox):
        for _ in range(n):
            reply_to, i = await inbox.get()
            reply_to.put_nowait(i)

    async def main():
        mine, theirs = asyncio.Queue(), asyncio.Queue()
        task = asyncio.create_task(ponger(theirs))
        for i in range(n):
            theirs.put_nowait((mine, i))
            await mine.get()
        await task

    t0 = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - t0


def oneway(n):
    async def sender(dest):
        for i in range(n):
            dest.put_nowait(i)

    async def main():
        inbox = asyncio.Queue()
        task = asyncio.create_task(sender(inbox))
        for _ in range(n):
            await inbox.get()
        await task

    t0 = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - t0


def spawn_exit(n):
    async def main():
        done = asyncio.Queue()
        left = [n]

        async def child():
            left[0] -= 1
            if not left[0]:
                done.put_nowait("done")

        tasks = [asyncio.create_task(child()) for _ in range(n)]
        await done.get()
        return tasks

    t0 = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - t0


def idle_bytes(n):
    probe = HeapProbe()

    async def idle(inbox):
        await inbox.get()

    async def main():
        probe.start()
        boxes = [asyncio.Queue() for _ in range(n)]
        tasks = [asyncio.create_task(idle(box)) for box in boxes]
        await asyncio.sleep(0.01)             # every task now waits on its queue
        used = probe.delta()
        probe.stop()
        for box in boxes:
            box.put_nowait("stop")
        await asyncio.gather(*tasks)
        return used / n

    return asyncio.run(main())
