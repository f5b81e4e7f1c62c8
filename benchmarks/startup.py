"""Start-up time of the ``hedra-tui`` command: ``--version``, the first frame of ``--demo``,
and the first rows on screen.

``uv run python -m benchmarks.startup [--runs N] [--cmd "uv run hedra-tui"] ...`` runs each
command N times (default 5) and prints the median and the range, plus anything the command
printed before the app (for ``--demo``: the bytes before the terminal switches to the app's
screen). The first frame is the list's title on screen, in a 120x40 pseudo-terminal.
Without ``--cmd``: ``uv run hedra-tui`` and the environment's own ``hedra-tui`` script.

``uv run python -m benchmarks.startup --rows [--runs N] [--before REF] [--quick]``: seconds
from launch until the first rows are on screen (any of the newest prompts, in a 120x40 pty),
against a simulator in its own process, at 5,000 and 100,000 in history with 20 and 500 in
flight, and for ``--demo``. Side by side, run for run, with the code at git ``REF`` (default
``BEFORE``: the monitor before the start-up work), extracted with ``git archive`` and run
with the same interpreter and packages; ``--before ''`` measures the working tree alone.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shlex
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .ptyrun import PtyProcess, SimProcess, monitor_cmd

ALT_SCREEN = b"\x1b[?1049h"  # the app takes over the terminal
FIRST_FRAME = b"Generations"  # the list's title: the monitor's frame is on screen
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _env() -> dict[str, str]:
    tmp = tempfile.gettempdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEDRA_")}
    env["HEDRA_TUI_CONFIG"] = os.path.join(tmp, "hedra-bench-no-config.toml")
    env["HEDRA_TUI_STATE"] = os.path.join(tmp, "hedra-bench-state")
    env["HEDRA_TUI_DATA"] = tempfile.mkdtemp(prefix="hedra-bench-data-")  # an empty history
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def version_time(cmd: list[str]) -> tuple[float, float, str]:
    """Seconds until ``cmd --version`` exits, the CPU seconds it used (with its children), and
    what it wrote to stderr."""
    cpu, start = _children_cpu(), time.monotonic()
    done = subprocess.run(
        [*cmd, "--version"], capture_output=True, text=True, env=_env(), timeout=60, check=True
    )
    return time.monotonic() - start, _children_cpu() - cpu, done.stderr


def first_frame_time(cmd: list[str]) -> tuple[float, float, bytes]:
    """Seconds until the demo's first frame is on screen, the CPU seconds used by then, and the
    bytes written before the app took over the terminal."""
    env = {k: v for k, v in _env().items() if k.startswith("HEDRA_TUI_")}  # added to os.environ
    app = PtyProcess([*cmd, "--demo"], cols=120, rows=40, env=env)
    try:
        seconds = app.wait_for(FIRST_FRAME, timeout=60)
        cpu = app.usage()[0]
        out = bytes(app.out)
        return seconds, cpu, out.split(ALT_SCREEN, 1)[0] if ALT_SCREEN in out else out
    finally:
        app.close()


def _summary(times: list[float], cpu: list[float]) -> str:
    return (
        f"median {statistics.median(times):5.2f} s  "
        f"(min {min(times):.2f}, max {max(times):.2f}, {len(times)} runs); "
        f"CPU median {statistics.median(cpu):.2f} s"
    )


# -- first rows on screen ------------------------------------------------------------------

# main before the start-up work of issue 12 (imports, early rows, the first page's size): the
# baseline these measurements are side by side with
BEFORE = "531e63f"
COMBOS = ((5_000, 20), (5_000, 500), (100_000, 20), (100_000, 500))
ROWS_TIMEOUT = 60.0
COUNTED_TITLE = re.compile(r"Generations [0-9]")  # the list's title once rows are loaded


@contextmanager
def code_at(ref: str) -> Iterator[Path | None]:
    """The ``hedra_tui`` package as it was at git ``ref``, in a temporary directory to put
    first on ``PYTHONPATH``; None when git cannot give it (no repository, an unknown ref)."""
    with tempfile.TemporaryDirectory(prefix="hedra-before-") as tmp:
        archive = Path(tmp) / "code.tar"
        done = subprocess.run(
            ["git", "archive", "--format=tar", f"--output={archive}", ref, "hedra_tui"],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"  (no code at {ref!r}: {done.stderr.decode(errors='replace').strip()})")
            yield None
            return
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp)


def _launch(code: Path | None, args: list[str], env: dict[str, str]) -> PtyProcess:
    """``python -P -m hedra_tui ARGS``: with ``code``, that copy of the package (``-P``: the
    working directory's own ``hedra_tui`` is not put ahead of it)."""
    env = dict(env)
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code), os.environ.get("PYTHONPATH")]))
    return PtyProcess([sys.executable, "-P", "-m", "hedra_tui", *args], cols=120, rows=40, env=env)


def _screen_shows(
    app: PtyProcess, found: Callable[[list[str]], bool], start: float
) -> tuple[float, float]:
    """Seconds from ``start`` until the terminal's screen (the pty's output through a
    terminal emulator) satisfies ``found``, and the CPU seconds the program used by then."""
    import pyte

    screen = pyte.Screen(app.cols, app.rows)
    stream = pyte.ByteStream(screen)
    fed = 0
    while time.monotonic() - start < ROWS_TIMEOUT:
        with app._lock:
            new = bytes(app.out[fed:])
        if new:
            fed += len(new)
            stream.feed(new)
            if found(screen.display):
                return time.monotonic() - start, app.usage()[0]
        time.sleep(0.005)
    raise TimeoutError("the first rows never showed")


def newest_prompts(sim: SimProcess, n: int = 10) -> list[str]:
    """The newest generations' prompts as the list shows them (their first characters)."""
    from hedra_tui.api.models import parse_generation
    from hedra_tui.simulator import DEMO_API_KEY
    from hedra_tui.state.derive import prompt_of

    url = f"{sim.base_url}/generations?limit={n}"
    req = urllib.request.Request(url, headers={"X-API-Key": DEMO_API_KEY})
    with urllib.request.urlopen(req, timeout=30) as resp:
        items = json.loads(resp.read())["data"]
    return [p[:12] for p in (prompt_of(parse_generation(g)) for g in items) if len(p) >= 12]


def rows_time(code: Path | None, sim: SimProcess) -> tuple[float, float]:
    """Seconds from launch until one of the newest generations is on screen (the monitor
    against ``sim``, in a 120x40 pty)."""
    prompts = newest_prompts(sim)
    _, env = monitor_cmd(sim.base_url)
    start = time.monotonic()
    app = _launch(code, ["--interval", "5"], env)
    try:
        return _screen_shows(
            app, lambda lines: any(p in ln for ln in lines for p in prompts), start
        )
    finally:
        app.close()


def demo_rows_time(code: Path | None) -> tuple[float, float]:
    """``--demo``: seconds from launch until the list's title counts loaded rows."""
    env = {k: v for k, v in _env().items() if k.startswith("HEDRA_TUI_")}
    start = time.monotonic()
    app = _launch(code, ["--demo"], env)
    try:
        return _screen_shows(
            app, lambda lines: any(COUNTED_TITLE.search(ln) for ln in lines), start
        )
    finally:
        app.close()


def _median(runs: list[tuple[float, float]]) -> str:
    times = [t for t, _ in runs]
    cpu = statistics.median(c for _, c in runs)
    return f"{statistics.median(times):5.2f} s ({min(times):.2f}-{max(times):.2f}, CPU {cpu:.2f})"


def _compile(package: Path) -> None:
    """Write the package's ``.pyc`` files, as an install with ``--compile-bytecode`` does."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)


def first_rows(
    runs: int = 5, before: str = BEFORE, quick: bool = False, compiled: bool = False
) -> list[tuple[str, float, float, str]]:
    """First rows on screen for each combination and ``--demo``, now and at ``before``, the
    runs of the two interleaved (the machine's load changes during a run); medians.
    ``compiled``: both copies of the package get their ``.pyc`` files first (else, where
    ``PYTHONDONTWRITEBYTECODE`` is set, every start compiles the package's modules)."""
    combos = [c for c in COMBOS if not quick or c[0] < 100_000]
    out: list[tuple[str, float, float, str]] = []

    def compare(
        label: str, measure: Callable[[Path | None], tuple[float, float]], old: Path | None
    ) -> None:
        now: list[tuple[float, float]] = []
        then: list[tuple[float, float]] = []
        for _ in range(runs):
            now.append(measure(None))
            if old is not None:
                then.append(measure(old))
        shown = f"before {_median(then)}" if then else ""
        print(f"  {label:36} now {_median(now)}   {shown}", flush=True)
        ours = statistics.median(t for t, _ in now)
        base = statistics.median(t for t, _ in then or now)
        out.append((f"first rows, {label}", ours, base, "s"))

    with code_at(before) if before else _nothing() as old:
        if compiled:
            import hedra_tui

            _compile(Path(hedra_tui.__file__).parent)
            if old is not None:
                _compile(old / "hedra_tui")
        how = "compiled first" if compiled else "as found"
        bytecode = os.environ.get("PYTHONDONTWRITEBYTECODE", "")
        print(f"first rows on screen from launch, 120x40 pty, medians of {runs} (min-max)")
        print(f"  load average {_load()}; now: the working tree; before: {before or '-'}")
        print(f"  .pyc files: {how} (PYTHONDONTWRITEBYTECODE={bytecode!r})")
        for count, inflight in combos:
            # one simulator at a time, in its own process: its start is not the app's
            args = ("--count", str(count), "--inflight", str(inflight), "--seed", "7")
            with SimProcess(*args) as sim:
                label = f"{count:,} in history, {inflight} in flight"
                compare(label, lambda code, sim=sim: rows_time(code, sim), old)
        compare("--demo (5,000, simulator in-process)", demo_rows_time, old)
        print(f"  load average {_load()}")
    return out


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cmd", action="append", help='a command line, e.g. "uv run hedra-tui"')
    parser.add_argument("--rows", action="store_true", help="first rows on screen (see above)")
    parser.add_argument("--before", default=BEFORE, help="git ref to compare with ('': none)")
    parser.add_argument("--quick", action="store_true", help="--rows: skip 100,000 in history")
    parser.add_argument(
        "--compiled", action="store_true", help="--rows: write both copies' .pyc files first"
    )
    args = parser.parse_args(argv)
    if args.rows:
        first_rows(args.runs, args.before, args.quick, args.compiled)
        return
    script = Path(sys.executable).with_name("hedra-tui")
    commands = args.cmd or ["uv run hedra-tui", str(script)]
    print(f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}")
    for line in commands:
        cmd = shlex.split(line)
        versions = [version_time(cmd) for _ in range(args.runs)]
        frames = [first_frame_time(cmd) for _ in range(args.runs)]
        print(f"{line}")
        print(
            f"  --version      {_summary([t for t, _, _ in versions], [c for _, c, _ in versions])}"
        )
        print(f"  --demo frame   {_summary([t for t, _, _ in frames], [c for _, c, _ in frames])}")
        printed = [err for _, _, err in versions if err.strip()]
        printed += [b.decode(errors="replace") for _, _, b in frames if b.strip()]
        if printed:
            runs = 2 * args.runs
            example = ANSI.sub("", printed[0]).strip()
            print(f"  printed before the app in {len(printed)} of {runs} runs, e.g. {example!r}")


if __name__ == "__main__":
    main()
