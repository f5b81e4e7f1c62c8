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
from .world import SimWorld


def quiet_uvicorn() -> None:
    """Nothing of uvicorn's may reach a terminal the TUI is drawing on."""
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False


class SimServer:
    """A started simulator: ``base_url``, ``api_key``, ``world``, ``faults``, ``stats``."""

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
    ) -> None:
        self.api_key = api_key
        self.host = host
        self.faults = FaultPlan()
        self.faults.latency = latency
        self.stats = Stats()
        self.world = SimWorld(
            count=count,
            inflight=inflight,
            seed=seed,
            speed=speed,
            clock=clock,
            drift=drift,
            arrivals=arrivals,
        )
        self._sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port = self._sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{shown}:{self.port}"
        self.world.base_url = self.base_url
        quiet_uvicorn()
        config = uvicorn.Config(
            create_app(self.world, api_key, self.faults, self.stats),
            log_level="critical",
            access_log=False,
            proxy_headers=False,
            server_header=False,
            date_header=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def start(self) -> SimServer:
        self._thread = threading.Thread(target=self._run, name="hedra-sim", daemon=True)
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the simulator failed to start")
            self._thread.join(0.01)
        return self

    def _run(self) -> None:
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
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._sock.close()

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
