"""Run a terminal program under a real pseudo-terminal and measure it (standard library only).

Used by the terminal, CPU and memory benchmarks: bytes the program writes to the terminal,
CPU seconds and resident memory of its process tree, read from ``/proc``.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import urllib.request
from contextlib import closing, suppress
from typing import Any

CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _session_pids(root: int) -> list[int]:
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(name) == root or int(fields[3]) == root:  # fields[3]: session id
            pids.append(int(name))
    return pids


def _run_time(pid: int) -> float | None:
    """CPU seconds of every live thread of ``pid`` from the scheduler's own accounting
    (``schedstat``: nanoseconds; ``stat``'s clock ticks are samples, too coarse for a
    process that uses a few milliseconds a second)."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total / 1e9


def usage(root: int) -> tuple[float, int]:
    """CPU seconds and resident bytes of ``root`` and its session."""
    cpu, rss = 0.0, 0
    for pid in _session_pids(root):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            exact = _run_time(pid)
            cpu += exact if exact is not None else sum(int(x) for x in fields[11:13]) / CLK
            rss += int(fields[21]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return cpu, rss


class PtyProcess:
    """A program in a pty of ``cols`` x ``rows``; a thread drains and counts its output."""

    def __init__(
        self,
        cmd: list[str],
        cols: int = 120,
        rows: int = 40,
        env: dict | None = None,
        rate: float | None = None,
    ):
        """``rate``: read at most that many bytes per second, like a slow link (backpressure
        reaches the program when the pty's buffer fills, as over SSH)."""
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = {**os.environ, "TERM": "xterm-256color", **(env or {})}

        def setup() -> None:
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(
            cmd,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            start_new_session=True,
            preexec_fn=setup,
        )
        os.close(slave)
        self.master = master
        self.cols, self.rows = cols, rows
        self.rate = rate
        self.out = bytearray()
        self._lock = threading.Lock()
        self._stop = False
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        tail = b""  # the end of the last read: a query may be split between two reads
        while not self._stop:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                continue
            size = 65536 if self.rate is None else max(int(self.rate / 20), 1)
            try:
                data = os.read(self.master, size)
            except OSError:
                return
            if not data:
                return
            if self.rate is not None:
                time.sleep(len(data) / self.rate)
            with self._lock:
                self.out.extend(data)
            # answer each cursor position query like a terminal, once it has been read
            for _ in range((tail + data).count(b"\x1b[6n")):
                os.write(self.master, b"\x1b[1;1R")
            tail = data[-3:]

    @property
    def written(self) -> int:
        with self._lock:
            return len(self.out)

    def wait_for(self, needle: bytes, since: int = 0, timeout: float = 30.0) -> float:
        """Seconds until ``needle`` appears in the output after byte ``since``."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            with self._lock:
                if needle in self.out[since:]:
                    return time.monotonic() - start
            time.sleep(0.01)
        raise TimeoutError(f"{needle!r} did not appear")

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def usage(self) -> tuple[float, int]:
        return usage(self.proc.pid)

    def measure(self, seconds: float) -> dict[str, float]:
        """Bytes/s and CPU % over the next ``seconds``."""
        b0, (c0, _) = self.written, self.usage()
        t0 = time.monotonic()
        time.sleep(seconds)
        dt = time.monotonic() - t0
        b1, (c1, rss) = self.written, self.usage()
        return {
            "bytes_per_s": (b1 - b0) / dt,
            "cpu_pct": 100 * (c1 - c0) / dt,
            "rss_mb": rss / 2**20,
        }

    def wait_idle(self, cpu_pct: float = 8.0, quiet: float = 3.0, timeout: float = 600) -> float:
        """Wait until the process used under ``cpu_pct`` % CPU for ``quiet`` s; returns the wait."""
        start = time.monotonic()
        calm_since = None
        last_cpu, last_t = self.usage()[0], time.monotonic()
        while time.monotonic() - start < timeout:
            time.sleep(0.5)
            cpu, now = self.usage()[0], time.monotonic()
            pct = 100 * (cpu - last_cpu) / (now - last_t)
            last_cpu, last_t = cpu, now
            if pct < cpu_pct:
                calm_since = calm_since or now
                if now - calm_since >= quiet:
                    return calm_since - start
            else:
                calm_since = None
        raise TimeoutError("the program never went idle")

    def close(self) -> None:
        self._stop = True
        with suppress(OSError):
            os.close(self.master)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SimProcess:
    """``hedra-tui sim`` in its own process (so its memory and CPU are not the app's)."""

    def __init__(self, *args: str, module: str = "hedra_tui") -> None:
        """``module``: another program that takes ``sim`` and its flags (a simulator on
        another schedule, e.g. ``benchmarks.steady_sim``)."""
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", module, "sim", "--port", str(self.port), *args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while True:
            try:
                self.get("/_sim/world")
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the simulator did not start") from None
                time.sleep(0.2)

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.base_url + path, timeout=30) as resp:
            return json.loads(resp.read())

    def post(self, path: str, body: dict) -> Any:
        req = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def __enter__(self) -> SimProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def monitor_cmd(base_url: str, *extra: str) -> tuple[list[str], dict[str, str]]:
    """The real ``hedra-tui`` monitor against ``base_url`` (an empty config, the demo key)."""
    from hedra_tui.simulator import DEMO_API_KEY

    tmp = tempfile.gettempdir()
    env = {
        "HEDRA_API_KEY": DEMO_API_KEY,
        "HEDRA_BASE_URL": base_url,
        "HEDRA_TUI_CONFIG": os.path.join(tmp, "hedra-bench-no-config.toml"),
        "HEDRA_TUI_STATE": os.path.join(tmp, "hedra-bench-state"),
        # a new, empty local history for each run: no run starts from what another stored
        "HEDRA_TUI_DATA": tempfile.mkdtemp(prefix="hedra-bench-data-"),
    }
    return [sys.executable, "-m", "hedra_tui", *extra], env
