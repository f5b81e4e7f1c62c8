"""The ``notify_command`` setting: a program run when a job (or a watched batch) ends.

The command line is split like a shell line (``shlex``) and run without a shell, detached:
its own session and process group, stdin and stdout on ``/dev/null``, stderr read (its tail
only) for the failure message, so nothing it prints reaches the monitor's terminal. The
job's facts are in ``HEDRA_*`` environment variables (see :data:`VARIABLES`), each made
safe (no control characters) and bounded; the API key is never among them: ``HEDRA_API_KEY``
and any variable whose value holds the key are removed from the child's environment. A run
that outlives the timeout is killed with its whole process group; at most a few run at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import signal
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..api.models import GenerationStatus
from ..api.sanitize import display
from .batches import BatchProgress
from .derive import prompt_of
from .store import Row

MAX_AT_ONCE = 3  # runs at the same time; the others wait their turn
MAX_WAITING = 50  # runs waiting beyond this are skipped (and said so once)
VALUE_MAX = 500  # characters of any one variable
PROMPT_MAX = 200
STDERR_TAIL = 200  # characters of the command's stderr quoted when it fails
KILL_GRACE = 1.0  # seconds between SIGTERM and SIGKILL at the timeout

# The variables a run gets, in the order the README lists them.
VARIABLES: dict[str, str] = {
    "HEDRA_EVENT": "job.completed, job.failed or job.ended (another status); batch.ended",
    "HEDRA_SUMMARY": "one line for a person: '✓ completed: <prompt>' (the toast's words)",
    "HEDRA_JOB_ID": "the job's id",
    "HEDRA_JOB_STATUS": "complete, error, or the status the API sent",
    "HEDRA_JOB_MODEL": "the model's name",
    "HEDRA_JOB_MODEL_ID": "the model's id",
    "HEDRA_JOB_TYPE": "video, image, audio, …",
    "HEDRA_JOB_ERROR": "the error type (e.g. MODERATION_FAILED); empty when it completed",
    "HEDRA_JOB_ERROR_REASON": "the error's reason_code, when the API gave one",
    "HEDRA_JOB_ERROR_MESSAGE": "the error message",
    "HEDRA_JOB_PROMPT": f"the prompt, at most {PROMPT_MAX} characters",
    "HEDRA_JOB_URL": "the output's URL (download URL first); empty when there is none",
    "HEDRA_JOB_BATCH_ID": "the batch the job belongs to (v2 batch_generation_id)",
    "HEDRA_BATCH_ID": "batch.ended: the batch's id",
    "HEDRA_BATCH_TOTAL": "batch.ended: its jobs",
    "HEDRA_BATCH_COMPLETE": "batch.ended: how many completed",
    "HEDRA_BATCH_FAILED": "batch.ended: how many failed",
    "HEDRA_API_VERSION": "v2 or v3",
    "HEDRA_EVENT_JSON": 'all of the above as one JSON object, with "text" = HEDRA_SUMMARY',
}


def parse_command(text: str) -> list[str]:
    """The argument vector of ``text`` (ValueError for an unclosed quote or an empty line)."""
    argv = shlex.split(text)
    if not argv:
        raise ValueError("the command is empty")
    return argv


def env_value(value: object, max_len: int = VALUE_MAX) -> str:
    """A value fit for an environment variable: one line, no control characters, bounded."""
    return display(value, max_len=max_len)


def event_env(facts: Mapping[str, object]) -> dict[str, str]:
    """The variables of one event (``facts`` maps names to raw values; None is left out),
    plus ``HEDRA_EVENT_JSON`` holding them all (with ``text``, the summary: a chat's
    incoming webhook takes that object as it is)."""
    env = {
        name: env_value(value, PROMPT_MAX if name == "HEDRA_JOB_PROMPT" else VALUE_MAX)
        for name, value in facts.items()
        if value is not None
    }
    body: dict[str, str] = {"text": env.get("HEDRA_SUMMARY", "")}
    body |= {name.removeprefix("HEDRA_").lower(): value for name, value in env.items()}
    env["HEDRA_EVENT_JSON"] = json.dumps(body, ensure_ascii=True)
    return env


def job_event(row: Row, *, model: str, api: str, summary: str) -> dict[str, str]:
    """The variables for one job that ended (``model``: its name as the list shows it)."""
    gen = row.gen
    url = gen.asset.best_url if gen.asset is not None else None
    kind: dict[str, str] = {
        GenerationStatus.COMPLETE: "job.completed",
        GenerationStatus.ERROR: "job.failed",
    }
    return event_env(
        {
            "HEDRA_EVENT": kind.get(row.status, "job.ended"),
            "HEDRA_SUMMARY": summary,
            "HEDRA_JOB_ID": row.id,
            "HEDRA_JOB_STATUS": row.status or "unknown",
            "HEDRA_JOB_MODEL": model,
            "HEDRA_JOB_MODEL_ID": row.model_key or "",
            "HEDRA_JOB_TYPE": gen.type,
            "HEDRA_JOB_ERROR": row.error_code or "",
            "HEDRA_JOB_ERROR_REASON": row.reason_code or "",
            "HEDRA_JOB_ERROR_MESSAGE": (
                (gen.error.message if gen.error is not None else None) or gen.error_message or ""
            ),
            "HEDRA_JOB_PROMPT": prompt_of(gen),
            "HEDRA_JOB_URL": url or "",
            "HEDRA_JOB_BATCH_ID": row.batch_id or "",
            "HEDRA_API_VERSION": api,
        }
    )


def batch_event(batch: BatchProgress, *, api: str, summary: str) -> dict[str, str]:
    """The variables for a watched batch whose jobs have all ended."""
    return event_env(
        {
            "HEDRA_EVENT": "batch.ended",
            "HEDRA_SUMMARY": summary,
            "HEDRA_BATCH_ID": batch.batch_id,
            "HEDRA_BATCH_TOTAL": batch.total,
            "HEDRA_BATCH_COMPLETE": batch.complete,
            "HEDRA_BATCH_FAILED": batch.failed,
            "HEDRA_API_VERSION": api,
        }
    )


def child_environment(
    base: Mapping[str, str], event: Mapping[str, str], secrets: Iterable[str]
) -> dict[str, str]:
    """``base`` without the API key (``HEDRA_API_KEY``, and any variable whose value holds a
    secret or its secret part), without stale ``HEDRA_JOB_*``/``HEDRA_BATCH_*`` values,
    plus the event's variables."""
    needles = set()
    for secret in secrets:
        if secret:
            needles.add(secret)
            tail = secret.partition(":")[2]  # v3 keys: <key_id>:<secret>
            if len(tail) >= 8:
                needles.add(tail)
    out: dict[str, str] = {}
    for name, value in base.items():
        upper = name.upper()
        if upper == "HEDRA_API_KEY" or upper.startswith(("HEDRA_JOB_", "HEDRA_BATCH_")):
            continue
        if any(needle in value for needle in needles):
            continue
        out[name] = value
    out.update(event)
    return out


@dataclass(frozen=True)
class RunResult:
    """How one run ended: ``ok``, or ``problem`` in words (its kind first, for "shown once")."""

    ok: bool
    kind: str = ""  # "exit 2", "not found", "timeout", "cannot run"
    problem: str = ""


class NotifyRunner:
    """Runs the command for each event it is given, a few at a time, never blocking.

    ``on_problem`` is called (on the event loop) with a message when a run fails in a way
    not reported since the last success: a command that always fails is said once.
    """

    def __init__(
        self,
        command: str,
        *,
        timeout: float,
        secrets: Sequence[str] = (),
        on_problem: Callable[[str], None] | None = None,
        base_env: Mapping[str, str] | None = None,
        max_at_once: int = MAX_AT_ONCE,
    ) -> None:
        self.argv = parse_command(command)
        self.timeout = timeout
        self._secrets = tuple(secrets)
        self._on_problem = on_problem
        self._base_env = base_env
        self._gate = asyncio.Semaphore(max_at_once)
        self._tasks: set[asyncio.Task[RunResult]] = set()
        self._groups: set[int] = set()  # process groups running now
        self._last_kind: str | None = None
        self._skip_said = False
        self.results: list[RunResult] = []  # every finished run, in order (for tests)
        self.running = 0

    @property
    def program(self) -> str:
        return display(self.argv[0], max_len=60)

    def submit(self, event: Mapping[str, str]) -> None:
        """Run the command for ``event`` in the background (call on the event loop)."""
        if len(self._tasks) >= MAX_WAITING:
            if not self._skip_said:
                self._skip_said = True
                self._report(f"notify_command: over {MAX_WAITING} runs waiting; skipping some")
            return
        task = asyncio.get_running_loop().create_task(self.run(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self, event: Mapping[str, str]) -> RunResult:
        async with self._gate:
            self.running += 1
            try:
                result = await self._run(event)
            finally:
                self.running -= 1
        self.results.append(result)
        if result.ok:
            self._last_kind = None
            self._skip_said = False
        elif result.kind != self._last_kind:
            self._last_kind = result.kind
            self._report(result.problem)
        return result

    def _report(self, message: str) -> None:
        if self._on_problem is not None:
            self._on_problem(message)

    async def _run(self, event: Mapping[str, str]) -> RunResult:
        base = os.environ if self._base_env is None else self._base_env
        env = child_environment(base, event, self._secrets)
        name = self.program
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                start_new_session=True,  # its own session and group: never our terminal
            )
        except FileNotFoundError:
            return RunResult(False, "not found", f"notify_command: {name} not found")
        except OSError as exc:
            why = display(exc.strerror or type(exc).__name__, max_len=80)
            return RunResult(False, "cannot run", f"notify_command: cannot run {name} ({why})")
        self._groups.add(proc.pid)
        tail = b""

        async def finish() -> int:
            nonlocal tail
            assert proc.stderr is not None
            while chunk := await proc.stderr.read(4096):
                tail = (tail + chunk)[-STDERR_TAIL * 4 :]
            return await proc.wait()

        try:
            code = await asyncio.wait_for(finish(), self.timeout)
        except TimeoutError:
            await self._kill(proc)
            return RunResult(
                False,
                "timeout",
                f"notify_command: {name} still running after {self.timeout:g} s: killed",
            )
        except asyncio.CancelledError:
            await self._kill(proc)
            raise
        finally:
            self._groups.discard(proc.pid)
        if code == 0:
            return RunResult(True)
        said = display(tail.decode("utf-8", "replace").strip(), max_len=STDERR_TAIL)
        how = f"exit {code}" if code > 0 else f"killed by signal {-code}"
        return RunResult(
            False, how, f"notify_command: {name} failed ({how})" + (f": {said}" if said else "")
        )

    async def _kill(self, proc: asyncio.subprocess.Process) -> None:
        """End the run's whole process group: SIGTERM, then SIGKILL after a grace period."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
            try:
                await asyncio.wait_for(proc.wait(), KILL_GRACE)
                if sig is signal.SIGTERM:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(proc.pid, signal.SIGKILL)  # what it started goes too
                return
            except TimeoutError:
                continue

    async def aclose(self) -> None:
        """Stop every run (the monitor is quitting): cancelled, their process groups killed."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for group in list(self._groups):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
