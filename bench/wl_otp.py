"""OTP behaviour workloads: gen_server calls, restart latency, a big supervisor.

labrt's gen_server and supervisor (notes/labrt-otp-api.md) are being written
alongside this benchmark.  Each labrt workload raises Skip while the module it
needs is missing, so the harness prints a clear "skipped" line instead of failing.
Supervisor and crash reports are kept in the runtime's report list but not
printed (reports=None), so no figure includes writing to a terminal.
The baselines for the call round trip (Pykka `ask`, asyncio request/response)
live here too, so the three figures sit side by side.
"""
import asyncio
import importlib.util
import time


class Skip(Exception):
    """The workload cannot run yet; the message says why."""


def _need(module):
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        raise Skip(f"{module} does not exist yet")
    return importlib.import_module(module)


# --- gen_server call round trips ------------------------------------------

def labrt_call(n, kernel):
    """n gen_server:call round trips from one client to one server."""
    import labrt
    gen_server = _need("labrt.gen_server")

    class Counter(gen_server.GenServer):
        def init(self, arg):
            return ("ok", 0)

        def handle_call(self, request, from_, count):
            return ("reply", count + 1, count + 1)

    async def main():
        _ok, server = await gen_server.start_link(Counter, None)
        t0 = time.perf_counter()
        for _ in range(n):
            await gen_server.call(server, "incr")
        elapsed = time.perf_counter() - t0
        await gen_server.stop(server)
        return elapsed

    return labrt.run(main, kernel=kernel, trace=False, reports=None)


def asyncio_call(n):
    """n request/response round trips: a queue in, a Future back."""
    async def server(inbox):
        count = 0
        while True:
            reply, request = await inbox.get()
            if request is None:
                return
            count += 1
            reply.set_result(count)

    async def main():
        loop = asyncio.get_running_loop()
        inbox = asyncio.Queue()
        task = asyncio.create_task(server(inbox))
        t0 = time.perf_counter()
        for _ in range(n):
            reply = loop.create_future()
            inbox.put_nowait((reply, "incr"))
            await reply
        elapsed = time.perf_counter() - t0
        inbox.put_nowait((None, None))
        await task
        return elapsed

    return asyncio.run(main())


def pykka_call(n):
    import wl_pykka
    return wl_pykka.call(n)


# --- supervision ------------------------------------------------------------

def restart_latency(n, kernel):
    """Kill a supervised gen_server n times; mean seconds from kill to the new
    child's init, as the wall clock sees it (sim time does not move)."""
    import labrt
    gen_server = _need("labrt.gen_server")
    supervisor = _need("labrt.supervisor")

    class Worker(gen_server.GenServer):
        def init(self, watcher):
            labrt.send(watcher, ("started", labrt.self()))
            return ("ok", None)

    class Sup:
        def init(self, watcher):
            flags = supervisor.SupFlags(strategy="one_for_one", intensity=n + 10, period=5)
            spec = supervisor.ChildSpec(id="worker", start=(gen_server.start_link, (Worker, watcher)))
            return ("ok", (flags, [spec]))

    async def main():
        me = labrt.self()
        labrt.trap_exit(True)
        _ok, sup = await supervisor.start_link(Sup, me)
        _tag, child = await labrt.receive(("started", labrt.ANY))
        t0 = time.perf_counter()
        for _ in range(n):
            labrt.exit(child, "kill")
            _tag, child = await labrt.receive(("started", labrt.ANY))
        elapsed = time.perf_counter() - t0
        labrt.exit(sup, "shutdown")
        await labrt.receive(labrt.Exit)
        return elapsed / n

    return labrt.run(main, kernel=kernel, trace=False, reports=None)


def sup_children(n, kernel):
    """Start n children under a simple_one_for_one supervisor one by one, then
    shut the supervisor down.  Returns (start seconds, shutdown seconds)."""
    import labrt
    gen_server = _need("labrt.gen_server")
    supervisor = _need("labrt.supervisor")

    class Worker(gen_server.GenServer):
        def init(self, arg):
            return ("ok", arg)

    class Sup:
        def init(self, arg):
            flags = supervisor.SupFlags(strategy="simple_one_for_one", intensity=1, period=5)
            spec = supervisor.ChildSpec(id="worker", start=(gen_server.start_link, (Worker,)))
            return ("ok", (flags, [spec]))

    async def main():
        labrt.trap_exit(True)
        _ok, sup = await supervisor.start_link(Sup, None)
        t0 = time.perf_counter()
        for i in range(n):
            await supervisor.start_child(sup, [i])
        started = time.perf_counter()
        labrt.exit(sup, "shutdown")
        await labrt.receive(labrt.Exit)
        return started - t0, time.perf_counter() - started

    return labrt.run(main, kernel=kernel, trace=False, reports=None)
