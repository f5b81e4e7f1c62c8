"""The Hedra v3 API (``hedra-openapi-v3-monitoring.json``): jobs, status, logs, SSE, balance.

:class:`V3Client` shares the v2 client's transport, typed errors, retries and key-safety rules
and sends ``Authorization: Key <key_id>:<secret>``. :func:`generation_from_v3` maps a v3 job
(``JobSummary``, ``ResultResponse`` and ``StatusResponse`` fields merged into one JSON
object) onto the backend-neutral :class:`Generation` the state layer and every view use:
the status normalized (``IN_QUEUE`` -> queued, ``IN_PROGRESS`` -> processing, ``COMPLETED``
-> complete, ``FAILED`` -> error, anything else kept), the error envelope as the error, the
first output as the asset, and the raw v3 JSON kept for the tree, copy and export.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from .client import HedraClient, _status_error
from .errors import APIConnectionError, APITimeoutError, ConfigError, NotFoundError, PayloadError
from .models import AIModel, Generation, GenerationPage, PageInfo
from .sanitize import display
from .sse import SSEEvent, SSEParser
from .v3models import IN_FLIGHT_V3, generation_from_v3, remember_modalities

DEFAULT_V3_BASE_URL = "https://api.hedra.com/v3"
V3_PAGE_SIZE = 100
STREAM_READ_TIMEOUT = 60.0  # a stream sends keep-alives; silence this long means it is dead


@dataclass
class JobPage:
    jobs: list[dict[str, Any]]  # JobSummary objects (raw), newest first
    next_cursor: str | None


def _require(payload: Any, key: str, what: str) -> Any:
    if not isinstance(payload, dict) or key not in payload:
        raise PayloadError(f"unexpected {what} payload: no {key!r}")
    return payload


class V3Client(HedraClient):
    """The Hedra v3 API over httpx (same errors, retries and key rules as the v2 client)."""

    version = "v3"

    def __init__(self, api_key: str, base_url: str = DEFAULT_V3_BASE_URL, **kwargs: Any) -> None:
        super().__init__(api_key, base_url, **kwargs)
        self._http.headers.pop("X-API-Key", None)
        self._http.headers["Authorization"] = f"Key {api_key}"

    def __repr__(self) -> str:  # never show the key
        return f"V3Client(base_url={self.base_url!r})"

    async def list_jobs(self, *, limit: int = 25, cursor: str | None = None) -> JobPage:
        """``GET /jobs``: one page, newest first; ``next_cursor`` None on the last page."""
        payload = await self._get_json("/jobs", "/jobs", {"limit": limit, "cursor": cursor})
        _require(payload, "data", "job list")
        jobs = [
            j for j in payload["data"] if isinstance(j, dict) and isinstance(j.get("job_id"), str)
        ]
        cursor = payload.get("next_cursor")
        return JobPage(jobs, cursor if isinstance(cursor, str) and cursor else None)

    async def ping(self) -> None:
        """One request, never retried: does the API answer at all? (its cheapest page)"""
        await self._get_once("/jobs", "/jobs", {"limit": 1})

    async def get_job(self, job_id: str) -> dict[str, Any]:
        """``GET /jobs/{id}``: the ResultResponse (outputs, error, metrics, recent logs)."""
        payload = await self._get_json(f"/jobs/{_quote(job_id)}", "/jobs/{id}")
        return _require(payload, "job_id", "job")

    async def get_job_status(self, job_id: str, logs_after: str | None = None) -> dict[str, Any]:
        """``GET /jobs/{id}/status``: progress, ETA and the log lines after ``logs_after``."""
        payload = await self._get_json(
            f"/jobs/{_quote(job_id)}/status", "/jobs/{id}/status", {"logs_after": logs_after}
        )
        return _require(payload, "status", "job status")

    async def get_job_logs(
        self, job_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        payload = await self._get_json(
            f"/jobs/{_quote(job_id)}/logs", "/jobs/{id}/logs", {"limit": limit, "cursor": cursor}
        )
        _require(payload, "data", "job logs")
        return [x for x in payload["data"] if isinstance(x, dict)], payload.get("next_cursor")

    async def get_balance(self) -> dict[str, Any]:
        return _require(await self._get_json("/balance", "/balance"), "balance", "balance")

    async def get_usage(self, group_by: str = "total") -> dict[str, Any]:
        payload = await self._get_json("/usage", "/usage", {"group_by": group_by})
        return _require(payload, "total_spent", "usage")

    async def list_models(self, types: Any = None) -> list[AIModel]:  # type: ignore[override]
        """``GET /models`` as :class:`AIModel` labels (id and slug are the v3 model id)."""
        payload = await self._get_json("/models", "/models")
        _require(payload, "data", "model list")
        out = []
        remember_modalities(
            {
                m["id"]: m.get("modality")
                for m in payload["data"]
                if isinstance(m, dict) and "id" in m
            }
        )
        for item in payload["data"]:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                name = item.get("name") if isinstance(item.get("name"), str) else item["id"]
                out.append(AIModel(id=item["id"], slug=item["id"], name=name))
        return out

    # -- what `list` and `watch` use, shaped like the v2 client's --------------------------

    async def refresh(self, ids: Sequence[str], *, concurrency: int = 4) -> list[Generation]:
        """Each job by id (``GET /jobs/{id}``, plus ``/status`` for progress while in flight);
        ids the server does not know are left out."""
        gate = asyncio.Semaphore(concurrency)

        async def one(job_id: str) -> Generation | None:
            async with gate:
                try:
                    job = await self.get_job(job_id)
                except NotFoundError:
                    return None
                if job.get("status") in IN_FLIGHT_V3:
                    status = await self.get_job_status(job_id)
                    job = {**job, **{k: v for k, v in status.items() if k not in _LOG_KEYS}}
                return generation_from_v3(job)

        found = await asyncio.gather(*(one(i) for i in dict.fromkeys(ids)))
        return [g for g in found if g is not None]

    async def iter_pages(  # type: ignore[override]
        self, *, page_size: int = V3_PAGE_SIZE, offset: int = 0, **filters: Any
    ) -> AsyncIterator[GenerationPage]:
        """Pages of jobs, newest first, each job read in full (a v3 list carries no prompt
        or progress). v3 has no server-side filters: type, prompt_query, ids and
        created_after/before are applied here; agent_thread_id does not exist in v3."""
        match = _filter(filters)
        cursor: str | None = None
        skip = offset
        position = 0
        while True:
            page = await self.list_jobs(limit=min(page_size, V3_PAGE_SIZE), cursor=cursor)
            ids = [j["job_id"] for j in page.jobs]
            if skip >= len(ids):
                skip -= len(ids)
            else:
                gens = [g for g in await self.refresh(ids[skip:]) if match(g)]
                skip = 0
                yield GenerationPage(PageInfo(limit=page_size, offset=position), gens, [])
            position += len(ids)
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def stream_job(
        self, job_id: str, last_event_id: str | None = None
    ) -> AsyncIterator[tuple[SSEEvent, SSEParser]]:
        """``GET /jobs/{id}/stream``: SSE events as they come (the parser carries ``last_id``
        and ``retry_ms`` for a resume). Ends when the server closes the stream."""
        headers = {"Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-Id"] = last_event_id
        parser = SSEParser(last_event_id)
        self.stats.requests += 1
        self.stats.by_endpoint["/jobs/{id}/stream"] += 1
        timeout = httpx.Timeout(self._http.timeout.connect, read=STREAM_READ_TIMEOUT)
        try:
            async with self._http.stream(
                "GET", f"/jobs/{_quote(job_id)}/stream", headers=headers, timeout=timeout
            ) as response:
                if not response.is_success:
                    await response.aread()
                    raise _status_error(response)
                async for line in parser.lines(response.aiter_bytes()):
                    event = parser.feed(line.rstrip("\r"))
                    if event is not None:
                        yield event, parser
        except httpx.TimeoutException as exc:
            raise APITimeoutError("the job stream went silent") from exc
        except httpx.HTTPError as exc:
            reason = display(str(exc), max_len=120) or type(exc).__name__
            raise APIConnectionError(f"the job stream broke ({reason})") from exc


_LOG_KEYS = ("logs", "logs_next_cursor")


def _filter(filters: dict[str, Any]) -> Any:
    """The v2 server-side filters, applied to v3 jobs on this side."""
    active = {k: v for k, v in filters.items() if v is not None}
    if "agent_thread_id" in active:
        raise ConfigError("the v3 API has no agent threads: drop --agent-thread-id")
    kind = active.get("type")
    needle = str(active.get("prompt_query") or "").lower()
    raw_ids = active.get("ids")
    if isinstance(raw_ids, str):
        raw_ids = raw_ids.split(",")
    ids = {str(i).strip() for i in raw_ids if str(i).strip()} if raw_ids else None
    after = _when(active.get("created_after"))
    before = _when(active.get("created_before"))

    def match(gen: Generation) -> bool:
        created = _when(gen.created_at)
        return (
            (kind is None or gen.type == kind)
            and (not needle or needle in str((gen.input or {}).get("text_prompt") or "").lower())
            and (ids is None or gen.id in ids)
            and (after is None or (created is not None and created >= after))
            and (before is None or (created is not None and created <= before))
        )

    return match


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _quote(job_id: str) -> str:
    return quote(job_id, safe="")
