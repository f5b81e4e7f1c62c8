"""Fault injection: what the simulator does wrong on purpose, and for how long."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Required, TypedDict

MODES = ("500", "503", "429", "401", "slow", "drop", "truncated", "invalid_json", "html")


@dataclass
class Fault:
    mode: str
    count: int | None = None  # requests left; None = until cleared or expired
    until: float | None = None  # monotonic deadline
    path: str | None = None  # only API paths starting with this
    retry_after: float = 2.0
    delay: float = 30.0


class FaultPlan:
    """The active fault (at most one) plus a constant added latency; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.fault: Fault | None = None
        self.latency = 0.0
        self.asset_latency = 0.0  # before each asset's bytes (``/_sim/assets``)
        self.injected = 0

    def set(
        self,
        mode: str,
        *,
        count: int | None = None,
        duration: float | None = None,
        path: str | None = None,
        retry_after: float = 2.0,
        delay: float = 30.0,
    ) -> Fault:
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; one of {', '.join(MODES)}")
        fault = Fault(
            mode=mode,
            count=count,
            until=None if duration is None else time.monotonic() + duration,
            path=path,
            retry_after=retry_after,
            delay=delay,
        )
        with self._lock:
            self.fault = fault
        return fault

    def clear(self) -> None:
        with self._lock:
            self.fault = None

    def take(self, path: str) -> Fault | None:
        """The fault to apply to this request, if any (consumes one from its count)."""
        with self._lock:
            fault = self.fault
            if fault is None:
                return None
            if fault.until is not None and time.monotonic() > fault.until:
                self.fault = None
                return None
            if fault.path and not path.startswith(fault.path):
                return None
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    self.fault = None
            self.injected += 1
            return fault


class FaultSpec(TypedDict, total=False):
    """The keyword arguments of ``FaultPlan.set`` that a ``--fault`` flag can give."""

    mode: Required[str]
    count: int
    retry_after: float
    delay: float


def parse_fault_flag(text: str) -> FaultSpec:
    """``MODE[:ARG]`` from the command line: 429:5 (Retry-After 5), slow:12 (12 s delay)."""
    mode, _, arg = text.partition(":")
    out: FaultSpec = {"mode": mode}
    if arg:
        if mode == "429":
            out["retry_after"] = float(arg)
        elif mode == "slow":
            out["delay"] = float(arg)
        else:
            out["count"] = int(arg)
    return out
