"""The Hedra v3 API (``hedra-openapi-v3-monitoring.json``): jobs, status, logs, SSE, balance.

:class:`V3Client` is composed over the same transport core as the v2 client (typed errors,
retries, key-safety rules) and sends ``Authorization: Key <key_id>:<secret>``. Jobs come back
as typed :class:`Job` values; ``list_page``, ``refresh`` and ``iter_pages`` map them onto the
backend-neutral :class:`Generation` (see ``models.generation_from_v3``): the status
normalized, the error envelope as the error, the first output as the asset, and the raw v3
JSON kept for the tree, copy and export.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from ..backend import (
    MAX_PAGE_SIZE,
    NO_FILTERS,
    Backend,
    Balance,
    Capabilities,
    DeliveryPage,
    ListFilters,
    Page,
    Price,
    Resubmission,
    WebhookDelivery,
)
from ..core import APICore, Json
from ..errors import APIConnectionError, APITimeoutError, ConfigError, NotFoundError, PayloadError
from ..models import AIModel, Generation, parse_lenient, parse_object
from ..sanitize import display
from ..sse import SSEEvent, SSEParser
from . import resubmit
from .models import Job, LogLine, generation_from_v3, remember_modalities
from .webhooks import delivery_page, one_delivery

DEFAULT_V3_BASE_URL = "https://api.hedra.com/v3"
V3_PAGE_SIZE = MAX_PAGE_SIZE
STREAM_READ_TIMEOUT = 60.0  # a stream sends keep-alives; silence this long means it is dead


@dataclass
class JobPage:
    jobs: list[Job]  # JobSummary objects, newest first
    next_cursor: str | None


def _require(payload: Json, key: str, what: str) -> dict[str, Any]:
    if not isinstance(payload, dict) or key not in payload:
        raise PayloadError(f"unexpected {what} payload: no {key!r}")
    return payload


def _jobs(items: Json) -> list[Job]:
    """The readable jobs of a list (an item without a string ``job_id`` is skipped)."""
    out: list[Job] = []
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and isinstance(item.get("job_id"), str):
            out.append(parse_lenient(Job, item))
    return out


class V3Client(Backend):
    """The Hedra v3 API over the shared transport core."""

    name = "v3"
    capabilities = Capabilities(
        live_streams=True,
        server_filters=False,
        batch_status=False,
        lifecycle_logs=True,
        whole_pages=False,
        currency="USD",
        resubmit="prompt",
        idempotent_submit=True,
        webhooks=True,
    )

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_V3_BASE_URL,
        *,
        timeout: float = 10.0,
        max_retries: int = 2,
        allow_insecure: bool = False,
        max_inline_wait: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if not api_key:
            raise ConfigError("no API key: set HEDRA_API_KEY (or try --demo)")
        core = APICore(
            base_url,
            auth={"Authorization": f"Key {api_key}"},
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure=allow_insecure,
            max_inline_wait=max_inline_wait,
            transport=transport,
            sleep=sleep,
            rng=rng,
        )
        super().__init__(core)
        self._schemas: dict[str, resubmit.InputSchema] = {}  # model id -> its submit input

    async def ping(self) -> None:
        await self.core.get_once("/jobs", "/jobs", {"limit": 1})

    # -- endpoints ------------------------------------------------------------------------

    async def list_jobs(self, *, limit: int = 25, cursor: str | None = None) -> JobPage:
        """``GET /jobs``: one page, newest first; ``next_cursor`` None on the last page."""
        payload = await self.core.get_json("/jobs", "/jobs", {"limit": limit, "cursor": cursor})
        body = _require(payload, "data", "job list")
        cursor = body.get("next_cursor")
        return JobPage(_jobs(body["data"]), cursor if isinstance(cursor, str) and cursor else None)

    async def get_job(self, job_id: str) -> Job:
        """``GET /jobs/{id}``: the ResultResponse (outputs, error, metrics, recent logs)."""
        payload = await self.core.get_json(f"/jobs/{_quote(job_id)}", "/jobs/{id}")
        return parse_object(Job, _require(payload, "job_id", "job"), "job")

    async def get_job_status(self, job_id: str, logs_after: str | None = None) -> Job:
        """``GET /jobs/{id}/status``: progress, ETA and the log lines after ``logs_after``."""
        payload = await self.core.get_json(
            f"/jobs/{_quote(job_id)}/status", "/jobs/{id}/status", {"logs_after": logs_after}
        )
        body = _require(payload, "status", "job status")
        return parse_object(Job, {"job_id": job_id, **body}, "job status")

    async def get_job_logs(
        self, job_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> tuple[list[LogLine], str | None]:
        payload = await self.core.get_json(
            f"/jobs/{_quote(job_id)}/logs", "/jobs/{id}/logs", {"limit": limit, "cursor": cursor}
        )
        body = _require(payload, "data", "job logs")
        lines = [parse_lenient(LogLine, x) for x in body["data"] if isinstance(x, dict)]
        after = body.get("next_cursor")
        return lines, after if isinstance(after, str) else None

    async def get_balance(self) -> Balance:
        """``GET /balance``: the wallet, in its currency."""
        body = _require(await self.core.get_json("/balance", "/balance"), "balance", "balance")
        amount = body.get("balance")
        currency = body.get("currency")
        return Balance(
            float(amount) if isinstance(amount, int | float) else None,
            currency if isinstance(currency, str) else "",
            body,
        )

    async def get_usage(self, group_by: str = "total") -> dict[str, Any]:
        payload = await self.core.get_json("/usage", "/usage", {"group_by": group_by})
        return _require(payload, "total_spent", "usage")

    async def list_models(self) -> list[AIModel]:
        """``GET /models`` as :class:`AIModel` labels (id and slug are the v3 model id)."""
        payload = await self.core.get_json("/models", "/models")
        body = _require(payload, "data", "model list")
        modalities: dict[str, str] = {}
        out: list[AIModel] = []
        for item in body["data"]:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            model_id: str = item["id"]
            name = item.get("name")
            modality = item.get("modality")
            if isinstance(modality, str):
                modalities[model_id] = modality
            out.append(
                AIModel(
                    id=model_id, slug=model_id, name=name if isinstance(name, str) else model_id
                )
            )
        remember_modalities(modalities)
        return out

    async def webhook_deliveries(
        self, *, limit: int = 50, cursor: str | None = None
    ) -> DeliveryPage:
        """``GET /webhooks/deliveries``: one page, newest first."""
        params = {"limit": max(1, min(limit, MAX_PAGE_SIZE)), "cursor": cursor}
        payload = await self.core.get_json("/webhooks/deliveries", "/webhooks/deliveries", params)
        return delivery_page(payload)

    async def redeliver_webhook(self, job_id: str) -> WebhookDelivery:
        """``POST /webhooks/deliveries/{job_id}/redeliver``, once (never retried: a second
        request while the first is in flight is refused with 409)."""
        payload = await self.core.post_once(
            f"/webhooks/deliveries/{_quote(job_id)}/redeliver",
            "/webhooks/deliveries/{job_id}/redeliver",
        )
        return one_delivery(payload)

    # -- the Backend interface --------------------------------------------------------------

    async def list_page(
        self, *, limit: int, cursor: str | None = None, filters: ListFilters = NO_FILTERS
    ) -> Page:
        """One page of job summaries (id, model, status, time: no prompt, progress or result)."""
        if filters:
            raise ConfigError("the v3 API has no server-side filters")
        page = await self.list_jobs(limit=min(limit, V3_PAGE_SIZE), cursor=cursor)
        return Page([generation_from_v3(j.raw) for j in page.jobs], [], page.next_cursor)

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
                raw = job.raw
                if job.in_flight:
                    status = (await self.get_job_status(job_id)).raw
                    raw = {**raw, **{k: v for k, v in status.items() if k not in _LOG_KEYS}}
                return generation_from_v3(raw)

        found = await asyncio.gather(*(one(i) for i in dict.fromkeys(ids)))
        return [g for g in found if g is not None]

    async def iter_pages(
        self, *, page_size: int = V3_PAGE_SIZE, offset: int = 0, filters: ListFilters = NO_FILTERS
    ) -> AsyncIterator[Page]:
        """Pages of jobs, newest first, each job read in full (a v3 list carries no prompt
        or progress). v3 has no server-side filters: type, prompt_query, ids and
        created_after/before are applied here; agent_thread_id does not exist in v3."""
        match = _matcher(filters)
        cursor: str | None = None
        skip = offset
        while True:
            page = await self.list_jobs(limit=min(page_size, V3_PAGE_SIZE), cursor=cursor)
            ids = [j.job_id for j in page.jobs]
            if skip >= len(ids):
                skip -= len(ids)
            else:
                gens = [g for g in await self.refresh(ids[skip:]) if match(g)]
                skip = 0
                yield Page(gens, [], page.next_cursor)
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
        try:
            async with self.core.stream(
                f"/jobs/{_quote(job_id)}/stream",
                "/jobs/{id}/stream",
                headers=headers,
                read_timeout=STREAM_READ_TIMEOUT,
            ) as response:
                async for line in parser.lines(response.aiter_bytes()):
                    event = parser.feed(line.rstrip("\r"))
                    if event is not None:
                        yield event, parser
        except httpx.TimeoutException as exc:
            raise APITimeoutError("the job stream went silent") from exc
        except httpx.HTTPError as exc:
            reason = display(str(exc), max_len=120) or type(exc).__name__
            raise APIConnectionError(f"the job stream broke ({reason})") from exc

    # -- resubmit ---------------------------------------------------------------------------

    async def input_schema(self, model: str) -> resubmit.InputSchema:
        """``GET /models/{id}/openapi.json``: the model's submit input (read once per model)."""
        schema = self._schemas.get(model)
        if schema is None:
            doc = await self.core.get_json(
                f"/models/{_quote(model)}/openapi.json", "/models/{id}/openapi.json"
            )
            schema = self._schemas[model] = resubmit.input_schema(doc)
        return schema

    async def resubmission(self, gen: Generation) -> Resubmission:
        """The job's prompt, where its model's input requires nothing else (the schema is
        read from the API); otherwise the fields it would miss, named."""
        raw = gen.raw
        model = raw.get("model") if isinstance(raw, dict) else None
        model = model if isinstance(model, str) and model else None
        schema = None
        if model is not None:
            try:
                schema = await self.input_schema(model)
            except NotFoundError:
                return Resubmission(
                    gen.id, model, refusal=f"the API no longer has {display(model, max_len=40)}"
                )
        return resubmit.resubmission(gen, model, schema)

    async def price(self, item: Resubmission) -> Price:
        """``POST /models/{model}/estimate`` with the input a submit would send."""
        if item.model is None:
            return Price(None, "USD", "price unknown: the job names no model")
        body = await self.core.post_json(
            f"/models/{_quote(item.model)}/estimate",
            "/models/{id}/estimate",
            {"input": item.body},
            retry=True,  # an estimate changes nothing
        )
        cost = body.get("cost") if isinstance(body, dict) else None
        currency = body.get("currency") if isinstance(body, dict) else None
        code = currency if isinstance(currency, str) and currency.isalpha() else "USD"
        if isinstance(cost, bool) or not isinstance(cost, int | float):
            return Price(None, code[:8].upper(), "price unknown: the estimate had no cost")
        return Price(float(cost), code[:8].upper(), "the API's estimate")

    async def submit(self, item: Resubmission, *, idempotency_key: str) -> Generation:
        """``POST /models/{id}`` with the input and ``idempotency_key`` (retried safely: the
        same key replays the first answer); the new job read back by id."""
        if item.model is None:
            raise ConfigError("the job names no model")
        ack = await self.core.post_json(
            f"/models/{_quote(item.model)}",
            "/models/{id}",
            {"input": item.body, "idempotency_key": idempotency_key},
            retry=True,
        )
        job_id = ack.get("job_id") if isinstance(ack, dict) else None
        if not isinstance(job_id, str) or not job_id:
            raise PayloadError("the answer to the submit has no job_id")
        found = await self.refresh([job_id])
        if found:
            return found[0]
        # not readable yet: the job as the acknowledgement describes it
        return generation_from_v3(
            {
                "job_id": job_id,
                "model": ack.get("model") or item.model,
                "status": ack.get("status") or "IN_QUEUE",
                "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "prompt": item.body.get("prompt"),
                "estimated_completion_at": ack.get("estimated_completion_at"),
            }
        )


_LOG_KEYS = ("logs", "logs_next_cursor")


def _matcher(filters: ListFilters) -> Callable[[Generation], bool]:
    """The v2 server-side filters, applied to v3 jobs on this side."""
    if filters.agent_thread_id is not None:
        raise ConfigError("the v3 API has no agent threads: drop --agent-thread-id")
    kind = filters.type
    needle = (filters.prompt_query or "").lower()
    ids = set(filters.ids) if filters.ids else None
    after = _aware(filters.created_after)
    before = _aware(filters.created_before)

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


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _quote(job_id: str) -> str:
    return quote(job_id, safe="")
