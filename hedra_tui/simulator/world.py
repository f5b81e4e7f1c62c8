"""The simulated workspace: generations with precomputed timelines, so nothing has to tick.

A job's status, progress and ETA at time t are a pure function of its timeline; new jobs
arrive on a seeded schedule as simulated time passes. Full JSON payloads are built only
when a job is served, which keeps a 100,000-job world cheap to start.
"""

from __future__ import annotations

import bisect
import math
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import data

HISTORY_DAYS = 45
BATCH_SHARE = 0.08  # of the jobs arriving while the simulator runs: the first of a batch
BATCH_SIZES = (2, 3, 4, 6, 8)
CREDITS_START = 250_000


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(slots=True)
class SimJob:
    id: str
    seed: int
    created: float
    type: str
    gen_type: str
    prompt: str
    model_id: str
    agent_thread_id: str | None
    queued_s: float
    processing_s: float
    finalizing_s: float
    outcome: str  # "complete", "error" or (drift) an unknown status
    credit_cost: int
    batch_id: str | None = None
    batch_size: int = 1  # the jobs of its batch (input.batch_size)
    drift_fields: dict[str, Any] | None = None
    override: dict[str, Any] | None = None
    stuck: bool = False  # never finishes (for stall tests)
    log_message: str | None = None  # one more v3 lifecycle log entry, as given (for wire tests)

    @property
    def done_at(self) -> float:
        return self.created + self.queued_s + self.processing_s + self.finalizing_s

    def state_at(self, t: float) -> tuple[str, float, float | None]:
        """(status, progress 0..1, seconds left or None) at simulated time ``t``."""
        start = self.created + self.queued_s
        fin = start + self.processing_s
        end = fin + self.finalizing_s
        if self.stuck and t >= start:
            return "processing", 0.37, None
        if t < start:
            return "queued", 0.0, end - t
        if t < fin:
            x = (t - start) / self.processing_s
            return "processing", round(0.9 * (1 - (1 - x) ** 1.6), 4), end - t
        if t < end:
            x = (t - fin) / self.finalizing_s
            return "finalizing", round(0.9 + 0.09 * x, 4), end - t
        return (
            self.outcome,
            (1.0 if self.outcome == "complete" else round(0.3 + 0.5 * (self.seed % 100) / 100, 2)),
            None,
        )


class SimWorld:
    """All generations of one simulated workspace. Thread-safe (one lock)."""

    def __init__(
        self,
        count: int = 5000,
        inflight: int = 20,
        seed: int = 7,
        speed: float = 1.0,
        clock: Callable[[], float] | None = None,
        drift: bool = True,
        base_url: str = "",
        arrivals: bool = True,
    ) -> None:
        self.seed = seed
        self.speed = speed
        self.drift = drift
        self.base_url = base_url
        self.arrivals = arrivals and inflight > 0  # --inflight 0: a quiet workspace
        self.inflight_target = inflight
        self._clock = clock or time.time
        self._real0 = self._clock()
        self._sim0 = self._real0
        self.offset = 0.0
        self.lock = threading.RLock()
        self._rng = random.Random(seed)
        self._arrival_rng = random.Random(seed * 7919 + 1)
        # batches draw from their own sequence: the rest of the world stays as it was
        self._batch_rng = random.Random(seed * 104729 + 3)
        self._counter = 0
        self.jobs: list[SimJob] = []  # oldest first
        self._created: list[float] = []  # parallel to jobs, for bisect
        self.by_id: dict[str, SimJob] = {}
        self._live: list[SimJob] = []  # jobs created since start (their cost counts)
        self.balance_override: float | None = None  # credits left, when a test set them
        self.submitted = 0  # jobs started by a submit (v2 POST /generations, v3 POST /models/x)
        self._payload_cache: dict[tuple[str, int], dict[str, Any]] = {}
        self._threads = [data.make_uuid(self._rng) for _ in range(12)]
        self._build(count, inflight)
        mean = sum(m["eta_ms"] for m in data.MODELS) / len(data.MODELS) / 1000
        self._arrival_gap = max(mean * 1.4 / max(inflight, 1), 0.5)
        self._next_arrival = self.now() + self._arrival_rng.expovariate(1 / self._arrival_gap)

    # -- time ---------------------------------------------------------------------------

    def now(self) -> float:
        return self._sim0 + (self._clock() - self._real0) * self.speed + self.offset

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.offset += seconds

    # -- building -------------------------------------------------------------------------

    def _new_job(self, created: float, rng: random.Random, *, history: bool) -> SimJob:
        self._counter += 1
        kinds, weights = zip(*((k[:2], k[2]) for k in data.KINDS), strict=True)
        asset_type, gen_type = rng.choices(kinds, weights)[0]
        model = rng.choice(data.models_for(asset_type))
        eta = model["eta_ms"] / 1000 * rng.uniform(0.6, 1.5)
        prompt = (
            data.prompt(rng) if gen_type not in ("text_to_speech",) else rng.choice(data.SPEECH)
        )
        roll = rng.random()
        outcome = "complete" if roll < 0.87 else "error"
        drift_fields = None
        if self.drift and rng.random() < 0.01:
            drift_fields = {
                "priority": rng.randint(1, 5),
                "region": rng.choice(("us-east-1", "eu-west-1")),
            }
        if self.drift and rng.random() < 0.003:
            outcome = "cancelled"
        job = SimJob(
            id=data.make_uuid(rng),
            seed=rng.getrandbits(32),
            created=created,
            type=asset_type,
            gen_type=gen_type,
            prompt=prompt,
            model_id=data.model_id(model["slug"]),
            agent_thread_id=rng.choice(self._threads) if rng.random() < 0.2 else None,
            queued_s=rng.uniform(1, 12),
            processing_s=eta * 0.8,
            finalizing_s=eta * 0.2,
            outcome=outcome,
            credit_cost=max(1, int(model["cost"] * rng.uniform(0.5, 2.0))),
            drift_fields=drift_fields,
        )
        if rng.random() < 0.06:
            job.batch_id = f"batch-{rng.getrandbits(40):010x}"
        return job

    def _batch_of(self, first: SimJob, size: int, rng: random.Random) -> list[SimJob]:
        """``first`` and ``size - 1`` more jobs started by the same request: one batch id,
        the same prompt and model, each with its own id, timeline and outcome."""
        batch_id = f"batch-{rng.getrandbits(40):010x}"
        first.batch_id, first.batch_size = batch_id, size
        jobs = [first]
        for i in range(1, size):
            job = SimJob(
                id=data.make_uuid(rng),
                seed=rng.getrandbits(32),
                created=first.created - i * 0.001,  # never in the future
                type=first.type,
                gen_type=first.gen_type,
                prompt=first.prompt,
                model_id=first.model_id,
                agent_thread_id=first.agent_thread_id,
                queued_s=first.queued_s + rng.uniform(0, 4),
                processing_s=first.processing_s * rng.uniform(0.7, 1.3),
                finalizing_s=first.finalizing_s,
                outcome="complete" if rng.random() < 0.85 else "error",
                credit_cost=first.credit_cost,
                batch_id=batch_id,
                batch_size=size,
            )
            jobs.append(job)
        return jobs

    def add_batch(self, size: int) -> list[str]:
        """Start a batch of ``size`` jobs now (for tests and the control endpoint)."""
        with self.lock:
            first = self._new_job(self.now(), self._batch_rng, history=False)
            ids = []
            for job in self._batch_of(first, max(size, 1), self._batch_rng):
                self._append(job)
                self._live.append(job)
                ids.append(job.id)
            return ids

    def _append(self, job: SimJob) -> None:
        index = bisect.bisect_right(self._created, job.created)
        self._created.insert(index, job.created)
        self.jobs.insert(index, job)
        self.by_id[job.id] = job

    def _build(self, count: int, inflight: int) -> None:
        now = self.now()
        rng = self._rng
        # history: finished jobs spread over the past weeks, denser recently
        t = now - 3600
        span = HISTORY_DAYS * 86400
        gaps = [rng.expovariate(1.0) for _ in range(count)]
        scale = span / max(sum(gaps), 1e-9)
        stamps = []
        for gap in gaps:
            t -= gap * scale
            stamps.append(t)
        for created in reversed(stamps):
            job = self._new_job(created, rng, history=True)
            self.jobs.append(job)
            self._created.append(created)
            self.by_id[job.id] = job
        # in flight now: started recently, finishing over the next minutes
        for i in range(inflight):
            job = self._new_job(now, rng, history=False)
            total = job.queued_s + job.processing_s + job.finalizing_s
            job.created = now - total * rng.uniform(0.05, 0.9) - i * 0.001
            if job.done_at <= now:
                job.created = now - 1
            self._append(job)
            self._live.append(job)

    def _arrive(self) -> None:
        """Create the jobs whose arrival time has passed."""
        if not self.arrivals:
            return
        now = self.now()
        rng = self._arrival_rng
        while self._next_arrival <= now:
            job = self._new_job(self._next_arrival, rng, history=False)
            batch = [job]
            if self._batch_rng.random() < BATCH_SHARE and job.type in ("image", "video"):
                size = self._batch_rng.choice(BATCH_SIZES)
                batch = self._batch_of(job, size, self._batch_rng)
            for member in batch:
                self._append(member)
                self._live.append(member)
            self._next_arrival += rng.expovariate(1 / self._arrival_gap)

    def add_inflight(self, count: int) -> list[str]:
        """Start ``count`` new jobs now (for requests-per-cycle tests)."""
        with self.lock:
            now = self.now()
            ids = []
            for i in range(count):
                job = self._new_job(now - i * 0.001, self._rng, history=False)
                job.queued_s += 600  # stays in flight for a good while
                self._append(job)
                self._live.append(job)
                ids.append(job.id)
            return ids

    def inject(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Add a new in-flight job whose served JSON is overridden by ``fields``.

        ``v3_log_message`` is not served as a field: it becomes the message of one more entry
        in the job's v3 lifecycle log (log, status and stream frames), sent as given.
        ``sim_model`` (a model's slug) and ``sim_prompt`` set what the job ran on and its
        prompt, for both APIs."""
        with self.lock:
            fields = dict(fields)
            message = fields.pop("v3_log_message", None)
            slug = fields.pop("sim_model", None)
            prompt = fields.pop("sim_prompt", None)
            job = self._new_job(self.now(), self._rng, history=False)
            model = next((m for m in data.MODELS if m["slug"] == slug), None)
            if model is not None:
                job.model_id = data.model_id(model["slug"])
                job.type = model["type"]
            if isinstance(prompt, str):
                job.prompt = prompt
            job.queued_s += 600
            if isinstance(fields.get("id"), str):
                job.id = fields["id"]
            if isinstance(message, str):
                job.log_message = message
            job.override = fields
            self._append(job)
            return self.payload(job)

    def submit(
        self,
        *,
        gen_type: str,
        asset_type: str,
        model: data.SimModel,
        prompt: str,
        given: dict[str, Any],
        credits: int,
    ) -> SimJob:
        """Start a job now, as a submit does: queued, then progressing like the others, and
        served with ``given`` as its ``input``. Its credits come off a balance set by a test."""
        with self.lock:
            rng = random.Random(self.seed * 104_729 + self.submitted)
            eta = model["eta_ms"] / 1000 * rng.uniform(0.6, 1.2)
            job = SimJob(
                id=data.make_uuid(rng),
                seed=rng.getrandbits(32),
                created=self.now(),
                type=asset_type,
                gen_type=gen_type,
                prompt=prompt,
                model_id=data.model_id(model["slug"]),
                agent_thread_id=None,
                queued_s=rng.uniform(1, 6),
                processing_s=eta * 0.8,
                finalizing_s=eta * 0.2,
                outcome="complete",
                credit_cost=credits,
                override={"input": given},
            )
            self._append(job)
            self._live.append(job)
            self.submitted += 1
            if self.balance_override is not None:
                self.balance_override = max(self.balance_override - credits, 0.0)
            return job

    def credits_left(self) -> float:
        """What a submit may spend, in credits."""
        return float(self.credits()["remaining"])

    def set_stuck(self, gen_id: str, stuck: bool = True) -> None:
        with self.lock:
            self.by_id[gen_id].stuck = stuck

    # -- reading ---------------------------------------------------------------------------

    def visible(self) -> list[SimJob]:
        """Every job created by now, oldest first (call with the lock held)."""
        self._arrive()
        end = bisect.bisect_right(self._created, self.now())
        return self.jobs[:end] if end < len(self.jobs) else self.jobs

    def query(
        self,
        *,
        type: str | None = None,
        created_before: float | None = None,
        created_after: float | None = None,
        prompt_query: str | None = None,
        agent_thread_id: str | None = None,
        ids: Iterable[str] | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """One page, newest first, as the API would serve it."""
        with self.lock:
            jobs = self.visible()
            if ids is not None:
                wanted = set(ids)
                pool: Iterable[SimJob] = sorted(
                    (
                        self.by_id[i]
                        for i in wanted
                        if i in self.by_id and self.by_id[i].created <= self.now()
                    ),
                    key=lambda j: (j.created, j.id),
                    reverse=True,
                )
            else:
                lo = (
                    0 if created_after is None else bisect.bisect_left(self._created, created_after)
                )
                hi = len(jobs)
                if created_before is not None:
                    hi = min(hi, bisect.bisect_right(self._created, created_before))
                pool = (jobs[i] for i in range(hi - 1, lo - 1, -1))
            needle = prompt_query.lower() if prompt_query else None
            if ids is None and not (type or needle or agent_thread_id):
                # no per-item filter: page straight into the range
                top = hi - 1 - offset
                return [self.payload(jobs[i]) for i in range(top, max(top - limit, lo - 1), -1)]
            out: list[dict[str, Any]] = []
            skipped = 0
            for job in pool:
                if type and type not in (job.type, job.gen_type):
                    continue
                if needle and needle not in job.prompt.lower():
                    continue
                if agent_thread_id and job.agent_thread_id != agent_thread_id:
                    continue
                if skipped < offset:
                    skipped += 1
                    continue
                out.append(self.payload(job))
                if len(out) >= limit:
                    break
            return out

    def payload(self, job: SimJob, t: float | None = None) -> dict[str, Any]:
        """The Generation JSON of ``job`` at time ``t`` (now by default)."""
        t = self.now() if t is None else t
        status, progress, left = job.state_at(t)
        key = (job.id, 0)
        static = self._payload_cache.get(key)
        if static is None:
            rng = random.Random(job.seed)
            static = {"input": data.build_input(job, rng)}
            static["asset"] = data.build_asset(job, rng, self.base_url, iso(job.done_at))
            err, msg = data.pick_error(rng, job, self.drift)
            static["error"], static["error_message"] = err, msg
            if len(self._payload_cache) > 50_000:
                self._payload_cache.clear()
            self._payload_cache[key] = static
        out: dict[str, Any] = {
            "id": job.id,
            "type": job.type,
            "input": static["input"],
            "status": status,
            "progress": progress,
            "eta_sec": None if left is None else max(0, math.ceil(left)),
            "estimated_completion_at": None if left is None else iso(t + left),
            "created_at": iso(job.created),
            "credit_cost": job.credit_cost,
            "batch_generation_id": job.batch_id,
            "asset": static["asset"] if status == "complete" else None,
        }
        if status == "error":
            if static["error"] is not None:
                out["error"] = static["error"]
            else:
                out["error_message"] = static["error_message"]
        if job.drift_fields:
            out.update(job.drift_fields)
        if job.override:
            out.update(job.override)
        return out

    def status_payload(self, job: SimJob) -> dict[str, Any]:
        gen = self.payload(job)
        asset = gen.get("asset") or {}
        body = asset.get("asset") or {}
        out = {
            "id": job.id,
            "asset_id": job.id,
            "type": gen["type"],
            "status": gen["status"],
            "progress": gen["progress"],
            "created_at": gen["created_at"],
            "error": gen.get("error"),
            "error_message": gen.get("error_message"),
            "url": body.get("url") or body.get("preview_url"),
            "download_url": body.get("download_url"),
            "streaming_url": body.get("streaming_url"),
            "workspace_id": "ws-simulator",
        }
        return out

    def credits(self) -> dict[str, Any]:
        with self.lock:
            now = self.now()
            used = sum(
                j.credit_cost for j in self._live if j.done_at <= now and j.outcome == "complete"
            )
            remaining = max(CREDITS_START - used, 0)
            if self.balance_override is not None:
                remaining = int(self.balance_override)
            return {
                "remaining": remaining,
                "expiring": 5_000,
                "used": used + 42_180,
            }

    def summary(self) -> dict[str, Any]:
        with self.lock:
            now = self.now()
            counts: dict[str, int] = {}
            for job in self.visible():
                status = job.state_at(now)[0]
                counts[status] = counts.get(status, 0) + 1
            return {"total": sum(counts.values()), "by_status": counts, "now": iso(now)}

    def in_flight_ids(self) -> list[str]:
        with self.lock:
            now = self.now()
            return [
                j.id
                for j in self.visible()
                if j.state_at(now)[0] in ("queued", "processing", "finalizing")
            ]
