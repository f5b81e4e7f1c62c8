"""A simulator on a fixed schedule: a new job every ``--every`` s, each taking ``--duration`` s.

``python -m benchmarks.steady_sim sim --port N [hedra-tui sim flags] --every 3 --duration 60``.
With the defaults 20 jobs are in flight at any time and one arrives (and one ends) every 3 s,
so every arrival pushes the list down one row on a known beat; the random arrivals of the
plain simulator make runs harder to compare.
"""

from __future__ import annotations

import argparse
import random
import sys

from hedra_tui.simulator import server as sim_server
from hedra_tui.simulator.cli import add_sim_arguments, run_sim
from hedra_tui.simulator.world import SimJob, SimWorld


def steady_world(every: float, duration: float) -> type[SimWorld]:
    class SteadyWorld(SimWorld):
        """Jobs of ``duration`` s arriving every ``every`` s, from start (staggered)."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self._next_arrival = self.now() + every

        def _new_job(self, created: float, rng: random.Random, *, history: bool) -> SimJob:
            job = super()._new_job(created, rng, history=history)
            if not history:
                job.queued_s = 2.0
                job.processing_s = (duration - 2.0) * 0.8
                job.finalizing_s = (duration - 2.0) * 0.2
            return job

        def _build(self, count: int, inflight: int) -> None:
            super()._build(count, 0)  # the history only
            now = self.now()
            for i in range(inflight):  # one ends every ``every`` s from now on
                job = self._new_job(now - i * every - 0.5, self._rng, history=False)
                self._append(job)
                self._live.append(job)

        def _arrive(self) -> None:
            now = self.now()
            while self._next_arrival <= now:
                job = self._new_job(self._next_arrival, self._arrival_rng, history=False)
                self._append(job)
                self._live.append(job)
                self._next_arrival += every

    return SteadyWorld


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.steady_sim")
    parser.add_argument("command", choices=["sim"])
    parser.add_argument("--every", type=float, default=3.0)
    parser.add_argument("--duration", type=float, default=60.0)
    add_sim_arguments(parser)
    args = parser.parse_args(argv)
    sim_server.SimWorld = steady_world(args.every, args.duration)  # type: ignore[misc]
    return run_sim(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
