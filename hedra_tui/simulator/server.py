"""Run the simulator: in a background thread on a free loopback port, or in the foreground."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
from collections.abc import Callable
from typing import Any

import uvicorn

from . import DEMO_API_KEY
from .app import Stats, create_app
from .faults import FaultPlan
from .ratelimit import DEFAULT_RATE_LIMIT, HeaderMode, RateLimiter, RateLimitSpec
from .world import SimWorld


def quiet_uvicorn() -> None:
    """Nothing of uvicorn's may reach a terminal the TUI is drawing on."""
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False


class SimServer:
    """A started simulator: ``base_url``, ``api_key``, ``world``, ``faults``, ``stats``."""

    world: SimWorld

    def __init__(
        self,
        *,
        count: int = 5000,
        inflight: int = 20,
        seed: int = 7,
        speed: float = 1.0,
        api_key: str = DEMO_API_KEY,
        drift: bool = True,
        clock: Callable[[], float] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        arrivals: bool = True,
        lazy: bool = False,
        rate_limit: RateLimitSpec | None = DEFAULT_RATE_LIMIT,
        rate_headers: HeaderMode = "all",
    ) -> None:
        """``lazy``: only bind the port (``base_url`` is known at once); the world, which
        takes seconds for 100,000 generations, is built by :meth:`start` or
        :meth:`start_in_background`. ``rate_limit``: the key's requests per window, shared
        by every client (None: no limit and no rate-limit headers); ``rate_headers``: send
        the ``X-RateLimit-*`` headers on both APIs, or on v3 alone (``"v3"``)."""
        self.api_key = api_key
        self.host = host
        self.faults = FaultPlan()
        self.faults.latency = latency
        self.stats = Stats()
        self.limiter = RateLimiter(rate_limit, headers=rate_headers)
        self._world_args: dict[str, Any] = dict(
            count=count,
            inflight=inflight,
            seed=seed,
            speed=speed,
            clock=clock,
            drift=drift,
            arrivals=arrivals,
        )
        # proto IPPROTO_TCP, not the default 0: only then does asyncio set TCP_NODELAY on the
        # accepted connections; without it a small response on a kept-alive connection waited
        # ~40 ms for the client's delayed ACK (Nagle), which no real server makes it wait
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port = self._sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{shown}:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.ready = threading.Event()  # set once serving, or once starting failed
        self.failure: str | None = None
        if not lazy:
            self._build()

    def _build(self) -> None:
        self.world = SimWorld(**self._world_args)
        self.world.base_url = self.base_url
        quiet_uvicorn()
        config = uvicorn.Config(
            create_app(self.world, self.api_key, self.faults, self.stats, self.limiter),
            log_level="critical",
            access_log=False,
            proxy_headers=False,
            server_header=False,
            date_header=False,
            # as a load balancer in front of an API does: a poll every 5 s reuses its
            # connection (uvicorn's default, 5 s, closes it just before each poll)
            timeout_keep_alive=75,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)

    def start(self) -> SimServer:
        if self._server is None:
            self._build()
        assert self._server is not None
        if self._stopping:
            return self
        self._thread = threading.Thread(target=self._run, name="hedra-sim", daemon=True)
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the simulator failed to start")
            self._thread.join(0.01)
        self.ready.set()
        return self

    def start_in_background(self) -> SimServer:
        """Build the world and start serving in a thread, so the caller (the monitor) can
        draw at once; ``ready`` is set when it serves, with ``failure`` set if it cannot."""

        def run() -> None:
            try:
                self.start()
            except Exception as exc:  # said by the first request, never a traceback
                self.failure = f"the demo simulator failed to start ({type(exc).__name__})"
            finally:
                self.ready.set()

        threading.Thread(target=run, name="hedra-sim-start", daemon=True).start()
        return self

    def _run(self) -> None:
        assert self._server is not None
        asyncio.run(self._server.serve(sockets=[self._sock]))

    def serve_forever(self) -> None:
        """Serve until Ctrl+C or SIGTERM, then stop cleanly (the caller exits 0)."""
        stop = threading.Event()
        previous = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            self.start()
            while not stop.wait(0.5):
                if self._thread is None or not self._thread.is_alive():
                    break
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self) -> None:
        self._stopping = True
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._sock.close()

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
