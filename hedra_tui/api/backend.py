"""The seam between the monitor and a Hedra API version: one :class:`Backend` interface with
explicit :class:`Capabilities`, and the typed values that cross it.

Each API version is a package that implements :class:`Backend` over the shared transport
core (``api/core.py``): ``api/v2`` and ``api/v3`` are peers. The state layer and the UI ask
``backend.capabilities`` what a backend can do, never ``hasattr``. A new backend is a new
package here plus, in ``state/strategies``, how the poller keeps the store in step with it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar, Self

from .core import APICore, ClientStats, Json
from .errors import ConfigError
from .models import AIModel, Generation, MalformedItem

MAX_PAGE_SIZE = 100  # no backend is asked for more than this many jobs at once
CREDITS = "credits"  # the currency of a balance counted in Hedra credits


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do; the monitor adapts to these flags alone."""

    live_streams: bool  # a job in flight can be followed live (server-sent events)
    server_filters: bool  # the job list filters by type, time, prompt, agent thread and ids
    batch_status: bool  # one request reads the state of many jobs (v2: the ``ids`` filter)
    lifecycle_logs: bool  # each job carries a log of its lifecycle events
    whole_pages: bool  # a list page carries every job whole (else details are read per job)
    currency: str  # what the balance and job costs are counted in: CREDITS or "USD"
    # what a resubmit sends again: "input" (the job's whole input, as v2 keeps it) or
    # "prompt" (only the prompt, as v3 returns it: where the model needs nothing else)
    resubmit: str = "input"
    # a submit carries an idempotency key: sent again with the same key, it starts no second
    # job, so a submit whose answer was lost may be retried (v3); else it is sent once only
    idempotent_submit: bool = False
    webhooks: bool = False  # recent webhook deliveries can be listed and redelivered (v3)

    @property
    def money(self) -> bool:
        """Costs are money (a currency amount), not a count of credits."""
        return self.currency != CREDITS


@dataclass(frozen=True)
class Balance:
    """What the account has left: credits (v2) or money in ``currency`` (v3).

    ``amount`` is None when the server sent no readable number; ``raw`` is the JSON as sent.
    """

    amount: float | None
    currency: str
    raw: Json = field(default=None, compare=True, hash=False)

    @property
    def in_credits(self) -> bool:
        return self.currency == CREDITS


@dataclass(frozen=True)
class ListFilters:
    """The server-side filters of one list request, times resolved (see
    ``state.filters.ServerFilters`` for the filters as a person typed them)."""

    type: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    prompt_query: str | None = None
    agent_thread_id: str | None = None
    ids: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def below(self, anchor: datetime) -> ListFilters:
        """The same filters, narrowed to jobs created before ``anchor``."""
        before = self.created_before
        return ListFilters(
            type=self.type,
            created_after=self.created_after,
            created_before=anchor if before is None else min(anchor, before),
            prompt_query=self.prompt_query,
            agent_thread_id=self.agent_thread_id,
            ids=self.ids,
        )


NO_FILTERS = ListFilters()


@dataclass(frozen=True)
class Resubmission:
    """A job's request, ready to be sent again, or why it cannot be (``refusal``, in words).

    ``body`` is what a submit sends: v2 the generation's whole ``input`` (without the ids
    a request may reserve, which belong to the first job); v3 ``{"prompt": ...}``.
    ``model`` is the model's id as the API names it.
    """

    source_id: str
    model: str | None
    body: dict[str, Any] = field(default_factory=dict)
    refusal: str | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True)
class Price:
    """What one submit would cost: ``amount`` in ``currency`` (CREDITS or e.g. "USD"), None
    when the API gave no price; ``basis`` says how it was priced, in words."""

    amount: float | None
    currency: str
    basis: str = ""


@dataclass
class Page:
    """One page of jobs, newest first, as backend-neutral generations.

    ``next`` is where the following (older) page starts, opaque to the caller (an offset on
    v2, a cursor on v3); None when the history ends with this page. On a backend without
    ``whole_pages`` the items carry only what a list page holds (``raw`` is that part).
    """

    items: list[Generation]
    malformed: list[MalformedItem] = field(default_factory=list)
    next: str | None = None


@dataclass(frozen=True)
class WebhookDelivery:
    """One webhook delivery: the POST announcing a job's end to the URL it was submitted
    with. Strings are as the server sent them (display them through ``sanitize.display``).

    ``status``: PENDING, DELIVERING, DELIVERED or FAILED (or what the server sent);
    ``error_code``/``error_message``: why the last attempt failed (its error envelope).
    """

    job_id: str
    status: str
    model: str = ""
    event_type: str | None = None  # job.completed / job.failed; None until it fires
    source: str = ""  # per_job or default: which URL setting made it
    attempts: int = 0
    redelivery_count: int = 0
    last_response_status: int | None = None  # HTTP status of the last attempt
    error_code: str | None = None
    error_message: str | None = None
    retryable: bool | None = None
    webhook_url: str = ""
    created_at: str | None = None
    last_attempt_at: str | None = None
    raw: Json = field(default=None, compare=False, hash=False)

    @property
    def failed(self) -> bool:
        return self.status.upper() == "FAILED"

    @property
    def in_flight(self) -> bool:
        """A delivery being sent: a redelivery would be refused (409) until it finishes."""
        return self.status.upper() in ("PENDING", "DELIVERING")


@dataclass
class DeliveryPage:
    """One page of webhook deliveries, newest first; ``next``: the following page's cursor."""

    items: list[WebhookDelivery]
    next: str | None = None


class Backend(ABC):
    """One Hedra API version, composed over one :class:`APICore`.

    ``name`` ("v2", "v3") is what the header shows; ``capabilities`` what the monitor may ask.
    """

    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    def __init__(self, core: APICore) -> None:
        self.core = core

    def __repr__(self) -> str:  # never show the key
        return f"{type(self).__name__}(base_url={self.core.base_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.core.aclose()

    @property
    def base_url(self) -> str:
        return self.core.base_url

    @property
    def stats(self) -> ClientStats:
        return self.core.stats

    @property
    def sent(self) -> int:
        """Requests sent so far (each attempt counts)."""
        return self.core.sent

    def oldest_waiting(self) -> tuple[int, float] | None:
        """See :meth:`APICore.oldest_waiting`."""
        return self.core.oldest_waiting()

    @abstractmethod
    async def ping(self) -> None:
        """One request, never retried: does the API answer at all? (its cheapest page)"""

    @abstractmethod
    async def list_page(
        self, *, limit: int, cursor: str | None = None, filters: ListFilters = NO_FILTERS
    ) -> Page:
        """One page of at most ``limit`` jobs, newest first, from ``cursor`` (None: the top)."""

    @abstractmethod
    def iter_pages(
        self, *, page_size: int = MAX_PAGE_SIZE, offset: int = 0, filters: ListFilters = NO_FILTERS
    ) -> AsyncIterator[Page]:
        """Every page from ``offset`` on, each job whole, filters applied (for ``list``)."""

    @abstractmethod
    async def refresh(self, ids: Sequence[str], *, concurrency: int = 4) -> list[Generation]:
        """These jobs, each whole; ids the server does not know are left out."""

    @abstractmethod
    async def get_balance(self) -> Balance:
        """What the account has left."""

    @abstractmethod
    async def list_models(self) -> list[AIModel]:
        """The model catalogue (names for the list; v3: each model's modality)."""

    # -- acting: resubmit a job with the same input --------------------------------------------

    @abstractmethod
    async def resubmission(self, gen: Generation) -> Resubmission:
        """What submitting ``gen`` again would send, or why it cannot be (``refusal``)."""

    @abstractmethod
    async def price(self, item: Resubmission) -> Price:
        """What submitting ``item`` would cost (v2: the model's credit price; v3: the
        server's estimate)."""

    @abstractmethod
    async def submit(self, item: Resubmission, *, idempotency_key: str) -> Generation:
        """Start a new job from ``item``; the new job as the API then describes it.

        ``idempotency_key`` is sent where the API takes one (``capabilities.idempotent_submit``):
        the same key again starts no second job. Refusals raise ``PaymentRequiredError``
        (402) or ``ValidationFailedError`` naming the fields."""

    # -- webhooks (capabilities.webhooks) -------------------------------------------------

    async def webhook_deliveries(
        self, *, limit: int = 50, cursor: str | None = None
    ) -> DeliveryPage:
        """Recent webhook deliveries, newest first."""
        raise ConfigError(f"the {self.name} API has no webhook deliveries (a v3 feature)")

    async def redeliver_webhook(self, job_id: str) -> WebhookDelivery:
        """Send a finished delivery again; the delivery as it stands after the request."""
        raise ConfigError(f"the {self.name} API has no webhook deliveries (a v3 feature)")
