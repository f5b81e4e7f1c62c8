"""Start-up time of the ``hedra-tui`` command: ``--version``, and the first frame of ``--demo``.

``uv run python -m benchmarks.startup [--runs N] [--cmd "uv run hedra-tui"] ...`` runs each
command N times (default 5) and prints the median and the range, plus anything the command
printed before the app (for ``--demo``: the bytes before the terminal switches to the app's
screen). The first frame is the list's title on screen, in a 120x40 pseudo-terminal.
Without ``--cmd``: ``uv run hedra-tui`` and the environment's own ``hedra-tui`` script.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .ptyrun import PtyProcess

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cmd", action="append", help='a command line, e.g. "uv run hedra-tui"')
    args = parser.parse_args(argv)
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
