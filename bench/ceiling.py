"""A minimal round-robin actor scheduler on plain generators: the speed ceiling.

This is what the fastest possible pure-Python actor runtime looks like: a deque
of runnable processes, a deque mailbox per process, and nothing else.  A process
is a generator; ``msg = yield`` receives the oldest message (no selective
receive, no timeouts, no links).  ``send`` never suspends: it appends to the
mailbox and, if the receiver was blocked, puts it back on the run queue.
labrt's benchmark compares itself against these numbers.
"""
from collections import deque


class Proc:
    __slots__ = ("pid", "gen", "mailbox", "waiting", "started")

    def __init__(self, pid, gen):
        self.pid = pid
        self.gen = gen
        self.mailbox = deque()
        self.waiting = False      # True: blocked on an empty mailbox, not queued
        self.started = False


class Scheduler:
    BUDGET = 2000                 # messages a process may take before it yields the CPU

    def __init__(self):
        self.runq = deque()
        self.procs = {}
        self.serial = 0
        self.current = None

    def self(self):
        return self.current

    def spawn(self, fn, *args):
        self.serial += 1
        pid = self.serial
        proc = Proc(pid, fn(*args))
        self.procs[pid] = proc
        self.runq.append(proc)
        return pid

    def send(self, pid, msg):
        proc = self.procs.get(pid)
        if proc is not None:
            proc.mailbox.append(msg)
            if proc.waiting:
                proc.waiting = False
                self.runq.append(proc)

    def run(self):
        """Run until no process is runnable."""
        runq, procs = self.runq, self.procs
        pop, push = runq.popleft, runq.append
        while runq:
            proc = pop()
            self.current = proc.pid
            gen, mailbox = proc.gen, proc.mailbox
            try:
                if not proc.started:
                    proc.started = True
                    gen.send(None)            # run up to the first receive
                budget = self.BUDGET
                while mailbox and budget:
                    gen.send(mailbox.popleft())
                    budget -= 1
            except StopIteration:
                del procs[proc.pid]
                continue
            except Exception:                 # a crash: the process is gone
                del procs[proc.pid]
                continue
            if mailbox:
                push(proc)                    # out of budget: back of the queue
            else:
                proc.waiting = True
