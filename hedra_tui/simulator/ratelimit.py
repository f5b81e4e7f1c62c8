"""The simulated key's request rate limit: fixed windows shared by every client of the key.

Every API request that passes authentication counts, v2 and v3 alike (one key, one
workspace); past the limit the answer is 429 with ``Retry-After`` (whole seconds to the
window's end) and, on v3, the spec's ``RESOURCE_EXHAUSTED`` envelope. The ``X-RateLimit-Limit``,
``-Remaining`` and ``-Reset`` (a Unix epoch second) headers go with every answer: on v3, where
the spec names them, and on v2 too unless ``headers="v3"`` (the v2 spec names none). Refused
requests do not count. Requests and refusals are counted per client (its User-Agent) and
per window, for tests that check who was refused and who spent what.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

HeaderMode = Literal["all", "v3"]
WINDOWS_KEPT = 100


@dataclass(frozen=True)
class RateLimitSpec:
    """``limit`` requests per ``window`` seconds."""

    limit: int
    window: float

    def __str__(self) -> str:
        return f"{self.limit}/{self.window:g}s"

    @classmethod
    def parse(cls, text: str) -> RateLimitSpec | None:
        """``600/60s``, ``100/5s``, ``600/1m``, ``600/60`` (seconds); ``off``: None."""
        value = text.strip().lower()
        if value in ("off", "none", "0"):
            return None
        match = re.fullmatch(r"(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*(s|m|h)?", value)
        if not match:
            raise ValueError(f"{text!r} is not N/SECONDS (e.g. 600/60s), nor off")
        scale = {"s": 1, "m": 60, "h": 3600}[match.group(3) or "s"]
        limit, window = int(match.group(1)), float(match.group(2)) * scale
        if limit < 1 or window <= 0:
            raise ValueError(f"{text!r}: the limit and the window must be positive")
        return cls(limit, window)


# generous: the demo and the tests never meet it, yet every answer says what the budget is
DEFAULT_RATE_LIMIT = RateLimitSpec(100_000, 60.0)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    headers: list[tuple[bytes, bytes]]  # X-RateLimit-* (and Retry-After when refused)
    retry_after: int  # seconds, when refused


class RateLimiter:
    """Counts the key's requests per fixed window (aligned on the epoch); thread-safe."""

    def __init__(
        self,
        spec: RateLimitSpec | None = DEFAULT_RATE_LIMIT,
        *,
        headers: HeaderMode = "all",
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._lock = threading.Lock()
        self.spec = spec
        self.headers = headers
        self.wall = wall
        self._start = -math.inf  # the current window's start (epoch seconds)
        self._used = 0
        self.requests: Counter[str] = Counter()  # admitted, per client
        self.refused: Counter[str] = Counter()
        self.windows: deque[dict[str, Any]] = deque(maxlen=WINDOWS_KEPT)

    def configure(self, spec: RateLimitSpec | None, headers: HeaderMode | None = None) -> None:
        with self._lock:
            self.spec = spec
            if headers is not None:
                self.headers = headers
            self._start = -math.inf
            self._used = 0

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()
            self.refused.clear()
            self.windows.clear()

    def check(self, client: str, *, v3: bool) -> Verdict:
        """Count one request from ``client``, or refuse it."""
        with self._lock:
            spec = self.spec
            if spec is None:
                self.requests[client] += 1
                return Verdict(True, [], 0)
            now = self.wall()
            start = math.floor(now / spec.window) * spec.window
            if start != self._start:
                self._start, self._used = start, 0
            if not self.windows or self.windows[-1]["start"] != start:
                self.windows.append({"start": start, "requests": Counter(), "refused": Counter()})
            reset = start + spec.window
            allowed = self._used < spec.limit
            window = self.windows[-1]
            if allowed:
                self._used += 1
                self.requests[client] += 1
                window["requests"][client] += 1
            else:
                self.refused[client] += 1
                window["refused"][client] += 1
            retry = max(1, math.ceil(reset - now))
            headers: list[tuple[bytes, bytes]] = []
            if v3 or self.headers == "all":
                headers = [
                    (b"x-ratelimit-limit", str(spec.limit).encode()),
                    (b"x-ratelimit-remaining", str(spec.limit - self._used).encode()),
                    (b"x-ratelimit-reset", str(math.ceil(reset)).encode()),
                ]
            if not allowed:
                headers.append((b"retry-after", str(retry).encode()))
            return Verdict(allowed, headers, retry)

    def as_json(self) -> dict[str, Any]:
        with self._lock:
            spec = self.spec
            return {
                "limit": None if spec is None else spec.limit,
                "window": None if spec is None else spec.window,
                "headers": self.headers,
                "requests": dict(self.requests),
                "refused": dict(self.refused),
                "windows": [
                    {
                        "start": w["start"],
                        "requests": dict(w["requests"]),
                        "refused": dict(w["refused"]),
                    }
                    for w in self.windows
                ],
            }
