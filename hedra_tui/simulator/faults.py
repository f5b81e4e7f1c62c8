"""Fault injection: what the simulator does wrong on purpose, and for how long."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Required, TypedDict

MODES = (
    "500",
    "503",
    "429",
    "401",
    "slow",
    "hold",
    "drop",
    "truncated",
    "invalid_json",
    "html",
    "trickle",
    "lost",  # the request is served (a submit starts its job), then the answer is lost
)


@dataclass
class Fault:
    mode: str
    count: int | None = None  # requests left; None = until cleared or expired
    until: float | None = None  # monotonic deadline
    path: str | None = None  # only API paths starting with this
    query: str | None = None  # only requests whose query string holds this
    retry_after: float = 2.0
    delay: float = 30.0


class FaultPlan:
    """The active fault (at most one) plus a constant added latency; thread-safe.

    ``hold`` keeps each request it takes waiting, unanswered, until :meth:`clear` (or the
    fault's duration ends), then answers it as usual: a test can let some requests through
    and hold the others back for as long as it looks at the screen, with no timing in it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.fault: Fault | None = None
        self.latency = 0.0
        self.asset_latency = 0.0  # before each asset's bytes (``/_sim/assets``)
        self.injected = 0
        self.releases = 0  # moves at every clear: the held requests go on

    def set(
        self,
        mode: str,
        *,
        count: int | None = None,
        duration: float | None = None,
        path: str | None = None,
        query: str | None = None,
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
            query=query,
            retry_after=retry_after,
            delay=delay,
        )
        with self._lock:
            self.fault = fault
        return fault

    def clear(self) -> None:
        with self._lock:
            self.fault = None
            self.releases += 1

    def held(self, fault: Fault, releases: int) -> bool:
        """A request ``fault`` (a hold) took when ``releases`` was current still waits."""
        with self._lock:
            if self.releases != releases:
                return False
        return fault.until is None or time.monotonic() <= fault.until

    def take(self, path: str, query: str = "", *, explicit: bool = False) -> Fault | None:
        """The fault to apply to this request, if any (consumes one from its count).

        ``explicit``: only a fault set for a path this one starts with applies (asset
        downloads fail only when a test asks for it, never with the API's faults)."""
        with self._lock:
            fault = self.fault
            if fault is None or (explicit and not fault.path):
                return None
            if fault.until is not None and time.monotonic() > fault.until:
                self.fault = None
                return None
            if fault.path and not path.startswith(fault.path):
                return None
            if fault.query and fault.query not in query:
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
