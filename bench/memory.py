"""Memory probes shared by the workloads.

Bytes per idle process are measured with tracemalloc: the Python heap allocated
between "before spawning" and "all spawned processes blocked in receive",
divided by the number of processes.  It counts every Python object a process
owns (coroutine/generator frame, mailbox, process record, pid) and nothing
native: OS thread stacks (Pykka) are not Python allocations and are not counted.
"""
import gc
import resource
import tracemalloc


class HeapProbe:
    """Python heap bytes allocated since `start()`."""

    def start(self):
        if not tracemalloc.is_tracing():
            tracemalloc.start()
        gc.collect()
        self.base = tracemalloc.get_traced_memory()[0]

    def delta(self):
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - self.base

    def stop(self):
        tracemalloc.stop()


def peak_rss_bytes():
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def rss_bytes():
    """Current resident set size, from /proc (Linux)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize()
