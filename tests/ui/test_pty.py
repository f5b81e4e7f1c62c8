"""The real process in a real pseudo-terminal: it draws, and exits when the terminal goes away."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Iterator
from fcntl import ioctl

import pytest


def _spawn(args: list[str]) -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:  # child: the app, as a user would start it
        env = {k: v for k, v in os.environ.items() if not k.startswith("HEDRA_")}
        env["TERM"] = "xterm-256color"
        os.execvpe(sys.executable, [sys.executable, "-m", "hedra_tui", *args], env)
    ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    return pid, fd


def _read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while needle not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out


def _wait_exit(pid: int, timeout: float, fd: int | None = None) -> int | None:
    """Wait for the child; keep draining its terminal so it never blocks on a full pty."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if fd is not None:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    os.read(fd, 65536)
                except OSError:
                    fd = None
        else:
            time.sleep(0.05)
    return None


@contextlib.contextmanager
def demo_in_pty() -> Iterator[tuple[int, int]]:
    """The demo in a pty, drawn once; killed and closed afterwards whatever happened."""
    pid, fd = _spawn(["--demo", "--count", "200"])
    try:
        screen = _read_until(fd, b"Generations", timeout=30)
        assert b"Generations" in screen, screen[-500:]
        assert b"Traceback" not in screen
        yield pid, fd
    finally:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        with contextlib.suppress(OSError):
            os.close(fd)


@pytest.mark.timeout(60)
def test_app_exits_when_its_terminal_is_closed():
    with demo_in_pty() as (pid, fd):
        os.close(fd)  # the SSH connection drops: the pty master goes away
        status = _wait_exit(pid, timeout=5)
        assert status is not None, "the app kept running after its terminal closed"


@pytest.mark.timeout(60)
def test_q_quits_with_exit_code_zero_in_a_real_terminal():
    with demo_in_pty() as (pid, fd):
        time.sleep(0.5)
        os.write(fd, b"q")
        status = _wait_exit(pid, timeout=10, fd=fd)
        assert status is not None and os.waitstatus_to_exitcode(status) == 0


@pytest.mark.timeout(60)
def test_sigterm_quits_cleanly():
    with demo_in_pty() as (pid, fd):
        os.kill(pid, signal.SIGTERM)
        tail = _read_until(fd, b"Traceback", timeout=3)
        status = _wait_exit(pid, timeout=10, fd=fd)
        assert status is not None
        assert b"Traceback" not in tail
