"""Trace events recorded by a runtime (see notes/labrt-api.md for the event table)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    time: float
    kind: str
    pid: object
    other: object
    data: object


class Trace(list):
    """The list of events a runtime recorded, oldest first."""
