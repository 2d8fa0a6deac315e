"""Disks: what has been written, and what has actually reached the platter.

Design
------
A store's durability is only as good as its idea of the disk, so the disk
here is explicit about the one thing that matters: an ``append`` goes to
the operating system's buffer, and only a ``sync`` (fsync) makes it
survive a power cut.  Both disks below have the same small interface::

    append(name, entry)        add an entry to a file (buffered)
    sync(name)                 make every entry appended so far durable
    read(name) -> [entry]      the file's entries (what this boot can see)
    replace(name, entries)     write a whole file at once, durably
                               (write a temporary file, fsync, rename)
    delete(name); names(); unsynced(name) -> int

:class:`SimDisk` keeps its files in ``node.disk``, the dict a
``labrt.dist`` node keeps across crashes.  It records, per file, how many
entries are synced.  A node crash in a World is a power cut: when the store
starts on a node whose *creation* changed since the disk was last used, it
calls :meth:`SimDisk.power_cut`, which cuts every file back to its synced
entries.  What a chapter shows ("this commit was acknowledged but never
synced, and the restart does not have it") is exactly that difference.

:class:`FileDisk` is the real-time kernel's disk: one directory per node,
one append-only file per name.  Each entry is a length-prefixed pickle;
``sync`` is ``os.fsync``; ``replace`` writes ``name.tmp``, fsyncs it and
renames it over the old file (and fsyncs the directory), so a file is
always either the old or the new one; ``read`` stops at a torn last entry,
which is what a power cut in the middle of an append leaves.  Why an
append-only log and not SQLite: the store already has its own log and
table files (Mnesia's ``LATEST.LOG`` and ``.DCD``), and an append-only file
with fsync says the same thing as the simulated disk, in the same words;
SQLite would hide the buffer-versus-disk distinction the chapter is about
inside its own WAL.  See ``notes/labrt-store.md``.

What a power cut does to a real file cannot be shown by pulling a plug in
a test, so :meth:`FileDisk.lose_unsynced` does what the cut would: it
truncates every file this disk has appended to back to the length it had
at its last fsync (a file found on opening counts as synced).  It is the
real-file twin of :meth:`SimDisk.power_cut`, for tests and chapters.
"""
from __future__ import annotations

import os
import pickle
import struct

__all__ = ["SimDisk", "FileDisk"]


class _File:
    __slots__ = ("entries", "synced")

    def __init__(self, entries=None, synced=0):
        self.entries = entries if entries is not None else []
        self.synced = synced


class SimDisk:
    """Files in a node's ``disk`` dict, with an explicit synced prefix."""

    def __init__(self, store: dict, prefix: str = "store/"):
        self.store = store
        self.prefix = prefix
        self.syncs = 0

    def _f(self, name) -> _File:
        f = self.store.get(self.prefix + name)
        if f is None:
            f = self.store[self.prefix + name] = _File()
        return f

    def append(self, name, entry):
        self._f(name).entries.append(entry)     # entries are values nobody mutates

    def sync(self, name=None):
        for n in ([name] if name is not None else self.names()):
            f = self._f(n)
            if f.synced != len(f.entries):
                f.synced = len(f.entries)
                self.syncs += 1

    def read(self, name) -> list:
        f = self.store.get(self.prefix + name)
        return list(f.entries) if f is not None else []

    def replace(self, name, entries):
        entries = list(entries)
        self.store[self.prefix + name] = _File(entries, len(entries))
        self.syncs += 1

    def delete(self, name):
        self.store.pop(self.prefix + name, None)

    def names(self) -> list[str]:
        n = len(self.prefix)
        return sorted(k[n:] for k in self.store if type(k) is str and k.startswith(self.prefix))

    def unsynced(self, name) -> int:
        f = self.store.get(self.prefix + name)
        return 0 if f is None else len(f.entries) - f.synced

    def power_cut(self) -> int:
        """Lose every entry that was not synced; return how many were lost."""
        lost = 0
        for k, f in self.store.items():
            if type(k) is str and k.startswith(self.prefix) and isinstance(f, _File):
                lost += len(f.entries) - f.synced
                del f.entries[f.synced:]
        return lost


class FileDisk:
    """The same interface on real files in ``directory`` (see the module doc)."""

    def __init__(self, directory):
        self.dir = os.fspath(directory)
        os.makedirs(self.dir, exist_ok=True)
        self._fh: dict = {}
        self._dirty: set = set()
        self._synced: dict = {}             # name -> file length at its last fsync
        self.syncs = 0

    def _path(self, name):
        if "/" in name or name.startswith("."):
            raise ValueError(f"a disk file name is one plain word, got {name!r}")
        return os.path.join(self.dir, name)

    def _handle(self, name):
        fh = self._fh.get(name)
        if fh is None:
            fh = self._fh[name] = open(self._path(name), "ab")
            self._synced.setdefault(name, fh.tell())
        return fh

    def append(self, name, entry):
        blob = pickle.dumps(entry, protocol=4)
        fh = self._handle(name)
        fh.write(struct.pack(">I", len(blob)) + blob)
        fh.flush()                          # to the OS buffer, not the disk
        self._dirty.add(name)

    def sync(self, name=None):
        for n in ([name] if name is not None else sorted(self._dirty)):
            if n in self._dirty:
                fh = self._handle(n)
                os.fsync(fh.fileno())
                self._synced[n] = fh.tell()
                self._dirty.discard(n)
                self.syncs += 1

    def read(self, name) -> list:
        try:
            with open(self._path(name), "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return []
        out, i = [], 0
        while i + 4 <= len(data):
            (n,) = struct.unpack(">I", data[i:i + 4])
            if i + 4 + n > len(data):
                break                       # a torn last entry: the power cut's mark
            try:
                out.append(pickle.loads(data[i + 4:i + 4 + n]))
            except Exception:
                break
            i += 4 + n
        return out

    def replace(self, name, entries):
        self._close(name)
        tmp = self._path(name) + ".tmp"
        with open(tmp, "wb") as f:
            for e in entries:
                blob = pickle.dumps(e, protocol=4)
                f.write(struct.pack(">I", len(blob)) + blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self._path(name))
        self._synced[name] = os.path.getsize(self._path(name))
        fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        self.syncs += 1

    def delete(self, name):
        self._close(name)
        self._synced.pop(name, None)
        try:
            os.remove(self._path(name))
        except FileNotFoundError:
            pass

    def _close(self, name):
        fh = self._fh.pop(name, None)
        if fh is not None:
            fh.close()
        self._dirty.discard(name)

    def names(self) -> list[str]:
        return sorted(n for n in os.listdir(self.dir) if not n.endswith(".tmp"))

    def unsynced(self, name) -> int:
        return 1 if name in self._dirty else 0

    def power_cut(self) -> int:
        return 0                            # a real disk has had its own

    def lose_unsynced(self) -> int:
        """Truncate each file back to its last fsync, as a power cut would; bytes lost."""
        lost = 0
        for name in sorted(self._dirty):
            path = self._path(name)
            self._close(name)
            size = os.path.getsize(path)
            keep = self._synced.get(name, 0)
            if size > keep:
                os.truncate(path, keep)
                lost += size - keep
        return lost

    def close(self):
        for n in list(self._fh):
            self._close(n)
