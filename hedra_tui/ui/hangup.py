"""When the terminal goes away (SSH dropped: SIGHUP) or the monitor is asked to stop
(SIGTERM): exit, and never linger as an orphan."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable

HANGUP_GRACE = 1.5  # seconds a shutdown may take once the terminal is gone
TERM_GRACE = 5.0


def _exit_after(grace: float) -> None:
    """End the process if a clean shutdown has not finished in ``grace`` seconds (after a
    hangup Textual's writer thread is gone and its shutdown would wait on it forever)."""
    time.sleep(grace)
    os._exit(0)


def install_exit_handlers(exit_app: Callable[[], None]) -> None:
    """On SIGHUP or SIGTERM, ask the app to exit (on its event loop) and end the process
    after a grace period whatever happens.

    Plain signal handlers, not the event loop's: after a hangup the loop can be stuck in a
    write to the dead terminal, and the handler must still run.
    """
    loop = asyncio.get_running_loop()

    def handler(signum: int, _frame: object) -> None:
        grace = HANGUP_GRACE if signum == signal.SIGHUP else TERM_GRACE
        threading.Thread(target=_exit_after, args=(grace,), daemon=True).start()
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(exit_app)

    for sig in (signal.SIGHUP, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):
            signal.signal(sig, handler)
