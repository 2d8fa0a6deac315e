"""Workloads on Pykka 4 (one OS thread per actor, `tell`/`ask`)."""
import threading
import time

import pykka

from memory import HeapProbe


class _Ponger(pykka.ThreadingActor):
    def on_receive(self, message):
        reply_to, i = message
        reply_to.tell(i)


class _Pinger(pykka.ThreadingActor):
    def __init__(self, n, peer, done):
        super().__init__()
        self.n, self.peer, self.done = n, peer, done

    def on_receive(self, message):
        i = 0 if message == "go" else message + 1
        if i == self.n:
            self.done.set()
        else:
            self.peer.tell((self.actor_ref, i))


def pingpong(n):
    done = threading.Event()
    t0 = time.perf_counter()
    ponger = _Ponger.start()
    pinger = _Pinger.start(n, ponger, done)
    pinger.tell("go")
    done.wait()
    elapsed = time.perf_counter() - t0
    pinger.stop()
    ponger.stop()
    return elapsed


class _Receiver(pykka.ThreadingActor):
    def __init__(self, n, done):
        super().__init__()
        self.left, self.done = n, done

    def on_receive(self, message):
        self.left -= 1
        if not self.left:
            self.done.set()


class _Sender(pykka.ThreadingActor):
    def on_receive(self, message):
        dest, n = message
        for i in range(n):
            dest.tell(i)


def oneway(n):
    done = threading.Event()
    t0 = time.perf_counter()
    receiver = _Receiver.start(n, done)
    sender = _Sender.start()
    sender.tell((receiver, n))
    done.wait()
    elapsed = time.perf_counter() - t0
    sender.stop()
    receiver.stop()
    return elapsed


class _Quick(pykka.ThreadingActor):
    def on_start(self):
        self.stop()


def spawn_exit(n):
    t0 = time.perf_counter()
    refs = [_Quick.start() for _ in range(n)]
    for ref in refs:
        ref.actor_stopped.wait()
    return time.perf_counter() - t0


class _Idle(pykka.ThreadingActor):
    pass


def idle_bytes(n):
    probe = HeapProbe()
    probe.start()
    refs = [_Idle.start() for _ in range(n)]
    time.sleep(0.2)                           # let every thread block on its inbox
    used = probe.delta()
    probe.stop()
    pykka.ActorRegistry.stop_all()
    del refs
    return used / n


# --- request/response, for the gen_server comparison ---------------------

class _Counter(pykka.ThreadingActor):
    def __init__(self):
        super().__init__()
        self.count = 0

    def on_receive(self, message):
        self.count += 1
        return self.count


def call(n):
    """n `ask` round trips from the calling thread to one actor."""
    ref = _Counter.start()
    t0 = time.perf_counter()
    for _ in range(n):
        ref.ask("incr")
    elapsed = time.perf_counter() - t0
    ref.stop()
    return elapsed
