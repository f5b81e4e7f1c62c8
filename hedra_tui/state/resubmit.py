"""A resubmit from start to end: which failed jobs, what each would send again and cost (asked
of the backend), one yes from the person, then each submit sent once.

The guard against a double submit lives here, not in the keys: a :class:`Plan` is confirmed
once (:meth:`Plan.confirm` says yes only the first time); an item is sent only while it is
``ready``; after a lost answer (no response, a timeout, a 5xx) an item is sent again only when
the backend's submits carry an idempotency key, and then under the same key. On v2 such an item
is left ``unknown``: the job may have started, and only the list can tell.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ..api.backend import CREDITS, Backend, Price, Resubmission
from ..api.errors import (
    APIConnectionError,
    HedraError,
    PaymentRequiredError,
    ServerError,
    ValidationFailedError,
)
from ..api.models import Generation
from ..api.sanitize import display
from .derive import money_text
from .store import Row

DEFAULT_CAP = 20  # jobs a group resubmit sends at most (the resubmit_max setting)
PREPARE_CONCURRENCY = 4


class Step(StrEnum):
    """Where one job of a resubmit is."""

    PREPARING = "preparing"  # its schema and price are being read
    READY = "ready"  # can be sent, waits for the person's yes
    REFUSED = "refused"  # cannot be resubmitted (before any submit): ``note`` says why
    SENDING = "sending"
    SENT = "sent"  # a new job started: ``new_id``
    FAILED = "failed"  # the API refused the submit: ``note`` says why, with the fields
    RETRY = "retry"  # no answer; may be sent again under the same idempotency key
    UNKNOWN = "unknown"  # no answer and no idempotency key: the job may have started


@dataclass
class Item:
    """One failed job in a resubmit; its texts are safe to display."""

    source_id: str
    prompt_text: str
    model_text: str
    key: str = field(default_factory=lambda: uuid.uuid4().hex)  # idempotency key, kept
    step: Step = Step.PREPARING
    resubmission: Resubmission | None = None
    price: Price | None = None
    note: str = ""
    new_id: str | None = None


class Phase(StrEnum):
    PRICING = "pricing"  # reading what each job would send and cost
    ASKING = "asking"  # the price is shown; waiting for yes or no
    SENDING = "sending"
    DONE = "done"


@dataclass
class Plan:
    """The jobs of one resubmit and how far it got. ``over_cap``: failed jobs left out by the
    cap (a group resubmit sends the newest ``cap``)."""

    items: list[Item]
    what: str  # "this job", "the group INTERNAL": for the dialog's title (safe)
    cap: int
    over_cap: int = 0
    currency: str = CREDITS
    phase: Phase = Phase.PRICING
    sent_rounds: int = 0
    hidden: int = 0  # new jobs the list's filters hide (the App counts them as they come)

    def with_step(self, *steps: Step) -> list[Item]:
        return [item for item in self.items if item.step in steps]

    @property
    def to_send(self) -> list[Item]:
        """The items a yes would send now: ready ones, or, after a lost answer on a backend
        with idempotency keys, those to try again (under their first keys)."""
        return self.with_step(Step.READY, Step.RETRY)

    @property
    def total(self) -> float:
        """The known prices of what a yes would send."""
        return sum(
            item.price.amount
            for item in self.to_send
            if item.price is not None and item.price.amount is not None
        )

    @property
    def unpriced(self) -> int:
        return sum(1 for item in self.to_send if item.price is None or item.price.amount is None)

    def total_text(self) -> str:
        """``960 credits`` / ``$9.60``, plus what has no price."""
        text = amount_text(self.total, self.currency)
        if self.unpriced:
            text += f" + {self.unpriced} without a price"
        return text

    def confirm(self) -> bool:
        """The person said yes: True only the first time (per round), when there is
        something to send; the caller sends only then."""
        if self.phase is not Phase.ASKING or not self.to_send:
            return False
        self.phase = Phase.SENDING
        return True

    def cancel(self) -> None:
        if self.phase in (Phase.PRICING, Phase.ASKING):
            self.phase = Phase.DONE


def amount_text(amount: float, currency: str) -> str:
    if currency == CREDITS:
        return f"{amount:,.0f} credits"
    return money_text(amount, display(currency, max_len=8))


def price_text(price: Price | None) -> str:
    if price is None or price.amount is None:
        return "price unknown"
    return amount_text(price.amount, price.currency)


def plan_for(
    rows: Sequence[Row],
    *,
    what: str,
    cap: int,
    model_label: Callable[[Row], str],
    currency: str,
) -> Plan:
    """A plan for the failed jobs among ``rows`` (newest first), at most ``cap`` of them."""
    failed = [row for row in rows if row.status == "error"]
    chosen = failed[: max(cap, 0)]
    items = [
        Item(row.id, row.prompt_text or "(no prompt)", model_label(row) or "no model")
        for row in chosen
    ]
    return Plan(items, display(what, max_len=80), cap, len(failed) - len(chosen), currency=currency)


def problem_words(exc: HedraError) -> str:
    """A refusal in words, naming the fields the API named (already safe to display)."""
    if isinstance(exc, PaymentRequiredError):
        words = "not enough balance (402 INSUFFICIENT_BALANCE)"
        unit = exc.currency if exc.currency and exc.currency != "credits" else CREDITS
        if exc.needed is not None and exc.available is not None:
            words += (
                f": needs {amount_text(exc.needed, unit)}, {amount_text(exc.available, unit)} left"
            )
        if exc.funding_url:
            words += f"; add funds at {exc.funding_url}"
        return words
    if isinstance(exc, ValidationFailedError) and exc.fields:
        named = "; ".join(str(problem) for problem in exc.fields)
        return f"refused ({exc.status_code}), field {named}"
    return exc.message


async def prepare(plan: Plan, backend: Backend, rows: dict[str, Row]) -> None:
    """Ask the backend what each job would send (v3 reads each model's schema once) and what
    it would cost; then the plan asks the person."""
    gate = asyncio.Semaphore(PREPARE_CONCURRENCY)

    async def one(item: Item) -> None:
        async with gate:
            row = rows.get(item.source_id)
            if row is None:
                item.step, item.note = Step.REFUSED, "the job is no longer loaded"
                return
            gen: Generation = row.gen
            try:
                item.resubmission = await backend.resubmission(gen)
            except HedraError as exc:
                item.step = Step.REFUSED
                item.note = f"cannot tell what it would send: {problem_words(exc)}"
                return
            if not item.resubmission.ok:
                item.step = Step.REFUSED
                item.note = display(item.resubmission.refusal, max_len=200)
                return
            try:
                item.price = await backend.price(item.resubmission)
            except ValidationFailedError as exc:
                item.step, item.note = Step.REFUSED, problem_words(exc)
                return
            except HedraError as exc:
                item.price = Price(None, plan.currency, f"price unknown: {exc.short}")
            item.step = Step.READY

    await asyncio.gather(*(one(item) for item in plan.items))
    if plan.phase is Phase.PRICING:  # not cancelled meanwhile
        plan.phase = Phase.ASKING if plan.to_send else Phase.DONE


async def send(plan: Plan, backend: Backend, on_sent: Callable[[Item, Generation], None]) -> None:
    """Send each item a yes covers, one after another, once; ``on_sent`` gets each new job
    at once (so it can be shown and watched while the rest are sent)."""
    idempotent = backend.capabilities.idempotent_submit
    plan.sent_rounds += 1
    items = plan.to_send
    for index, item in enumerate(items):
        assert item.resubmission is not None
        item.step = Step.SENDING
        try:
            new = await backend.submit(item.resubmission, idempotency_key=item.key)
        except (APIConnectionError, ServerError) as exc:
            if idempotent:
                item.step = Step.RETRY
                item.note = f"no answer ({exc.short}): a yes sends it again, safely"
            else:
                item.step = Step.UNKNOWN
                item.note = (
                    f"no answer ({exc.short}): the job may have started; "
                    "look at the list before resubmitting it"
                )
            continue
        except PaymentRequiredError as exc:
            item.step, item.note = Step.FAILED, problem_words(exc)
            for rest in items[index + 1 :]:  # the balance will not pay for the others either
                rest.step, rest.note = Step.FAILED, "not sent: the balance ran out"
            break
        except HedraError as exc:
            item.step, item.note = Step.FAILED, problem_words(exc)
            continue
        item.step = Step.SENT
        item.new_id = new.id
        item.note = ""
        on_sent(item, new)
    plan.phase = Phase.ASKING if plan.with_step(Step.RETRY) else Phase.DONE
