"""The Hedra v2 API (``hedra-openapi-v2.json``): one method per endpoint, a page iterator,
batched refresh through the ``ids`` filter; sends ``X-API-Key``."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from ..backend import (
    CREDITS,
    MAX_PAGE_SIZE,
    NO_FILTERS,
    Backend,
    Balance,
    Capabilities,
    ListFilters,
    Page,
    Price,
    Resubmission,
)
from ..core import APICore, QueryValue
from ..errors import ConfigError, PayloadError
from ..models import (
    AIModel,
    CreditBalance,
    Generation,
    GenerationPage,
    GenerationStatusResponse,
    parse_generation,
    parse_generation_page,
    parse_list,
    parse_object,
)
from . import resubmit

DEFAULT_BASE_URL = "https://api.hedra.com/web-app/public"
IDS_PER_REQUEST = 100


def _iso(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _offset(cursor: str | None) -> int:
    """v2 pages by offset: its cursors are offsets written as text."""
    return int(cursor) if cursor else 0


class V2Client(Backend):
    """The Hedra v2 API over the shared transport core."""

    name = "v2"
    capabilities = Capabilities(
        live_streams=False,
        server_filters=True,
        batch_status=True,
        lifecycle_logs=False,
        whole_pages=True,
        currency=CREDITS,
    )

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
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
            auth={"X-API-Key": api_key},
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure=allow_insecure,
            max_inline_wait=max_inline_wait,
            transport=transport,
            sleep=sleep,
            rng=rng,
        )
        super().__init__(core)
        self._models: list[AIModel] | None = None  # the catalogue, for prices

    async def ping(self) -> None:
        await self.core.get_once("/generations", "/generations", {"limit": 1})

    # -- endpoints -----------------------------------------------------------------

    async def list_generations(
        self,
        *,
        type: str | None = None,
        created_before: datetime | str | None = None,
        created_after: datetime | str | None = None,
        prompt_query: str | None = None,
        agent_thread_id: str | None = None,
        ids: Sequence[str] | None = None,
        limit: int = MAX_PAGE_SIZE,
        offset: int = 0,
    ) -> GenerationPage:
        """``GET /generations``: one page, newest first."""
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be 1..{MAX_PAGE_SIZE}, got {limit}")
        if offset < 0:
            raise ValueError("offset must be >= 0")
        if ids is not None:
            if len(ids) > IDS_PER_REQUEST:
                raise ValueError(f"at most {IDS_PER_REQUEST} ids per request")
            self.stats.ids_requested += len(ids)
        params: dict[str, QueryValue] = {
            "type": type,
            "created_before": _iso(created_before),
            "created_after": _iso(created_after),
            "prompt_query": prompt_query,
            "agent_thread_id": agent_thread_id,
            "ids": ",".join(ids) if ids is not None else None,
            "limit": limit,
            "offset": offset,
        }
        payload = await self.core.get_json("/generations", "/generations", params)
        if isinstance(payload, dict) and len(payload.get("data") or ()) > 25:
            # validating a full page takes a few ms: keep it off the event loop
            return await asyncio.to_thread(
                parse_generation_page, payload, limit=limit, offset=offset
            )
        return parse_generation_page(payload, limit=limit, offset=offset)

    async def _filtered(self, filters: ListFilters, *, limit: int, offset: int) -> GenerationPage:
        return await self.list_generations(
            type=filters.type,
            created_after=filters.created_after,
            created_before=filters.created_before,
            prompt_query=filters.prompt_query,
            agent_thread_id=filters.agent_thread_id,
            ids=list(filters.ids) if filters.ids else None,
            limit=limit,
            offset=offset,
        )

    async def list_page(
        self, *, limit: int, cursor: str | None = None, filters: ListFilters = NO_FILTERS
    ) -> Page:
        offset = _offset(cursor)
        page = await self._filtered(filters, limit=limit, offset=offset)
        got = len(page.items) + len(page.malformed)
        return Page(page.items, page.malformed, str(offset + got) if got >= limit else None)

    async def iter_pages(
        self, *, page_size: int = MAX_PAGE_SIZE, offset: int = 0, filters: ListFilters = NO_FILTERS
    ) -> AsyncIterator[Page]:
        """Every page from ``offset`` on, until a short page says the history ended."""
        cursor: str | None = str(offset)
        while cursor is not None:
            page = await self.list_page(limit=page_size, cursor=cursor, filters=filters)
            yield page
            cursor = page.next

    async def iter_generations(
        self, *, page_size: int = MAX_PAGE_SIZE, filters: ListFilters = NO_FILTERS
    ) -> AsyncIterator[Generation]:
        """Every generation, newest first, a page at a time (see :meth:`iter_pages`)."""
        async for page in self.iter_pages(page_size=page_size, filters=filters):
            for item in page.items:
                yield item

    async def refresh(self, ids: Sequence[str], *, concurrency: int = 4) -> list[Generation]:
        """Fetch many generations by id through the ``ids`` filter: one request per 100 ids."""
        unique = list(dict.fromkeys(ids))
        batches = [unique[i : i + IDS_PER_REQUEST] for i in range(0, len(unique), IDS_PER_REQUEST)]
        gate = asyncio.Semaphore(concurrency)

        async def one(batch: list[str]) -> list[Generation]:
            async with gate:
                page = await self.list_generations(ids=batch, limit=MAX_PAGE_SIZE)
                return page.items

        results = await asyncio.gather(*(one(b) for b in batches))
        return [item for chunk in results for item in chunk]

    async def get_status(self, generation_id: str) -> GenerationStatusResponse:
        """``GET /generations/{id}/status``."""
        path = f"/generations/{quote(generation_id, safe='')}/status"
        payload = await self.core.get_json(path, "/generations/{id}/status")
        return parse_object(GenerationStatusResponse, payload, "status")

    async def get_credits(self) -> CreditBalance:
        """``GET /billing/credits``."""
        payload = await self.core.get_json("/billing/credits", "/billing/credits")
        return parse_object(CreditBalance, payload, "credits")

    async def get_balance(self) -> Balance:
        """The credits left, as a :class:`Balance` in credits."""
        credits = await self.get_credits()
        return Balance(float(credits.remaining), CREDITS, credits.raw)

    async def list_models(self, types: Sequence[str] | None = None) -> list[AIModel]:
        """``GET /models``."""
        params = {"types": list(types)} if types else None
        payload = await self.core.get_json("/models", "/models", params)
        return parse_list(AIModel, payload, "models")

    # -- resubmit ------------------------------------------------------------------------

    async def resubmission(self, gen: Generation) -> Resubmission:
        return resubmit.resubmission(gen)

    async def price(self, item: Resubmission) -> Price:
        """The model's credit price (``price_details`` from ``GET /models``, read once and
        again when a model is not in it)."""
        if self._models is None or resubmit.find_model(self._models, item.model) is None:
            self._models = await self.list_models()
        return resubmit.price(item, resubmit.find_model(self._models, item.model))

    async def submit(self, item: Resubmission, *, idempotency_key: str) -> Generation:
        """``POST /generations`` with the input, sent once (v2 has no idempotency key: a
        retry after a lost answer could start a second job); the new job read back by id."""
        ack = await self.core.post_json("/generations", "/generations", item.body, retry=False)
        new_id = ack.get("id") if isinstance(ack, dict) else None
        if not isinstance(new_id, str) or not new_id:
            raise PayloadError("the answer to POST /generations has no job id")
        found = await self.refresh([new_id])
        if found:
            return found[0]
        # not listed yet: the job as the answer describes it
        return parse_generation(
            {
                "id": new_id,
                "type": ack.get("type") or "",
                "input": item.body,
                "status": ack.get("status") or "queued",
                "progress": ack.get("progress") or 0.0,
                "created_at": ack.get("created_at"),
                "eta_sec": ack.get("eta_sec"),
            }
        )
