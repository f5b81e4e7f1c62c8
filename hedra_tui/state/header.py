"""The facts the header states: counts by status, jobs that look stalled, the balance, what
this session spent, and the share of the key's rate limit in use. Computed here, drawn by
``ui/widgets/status.py``; strings are safe."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from ..api.backend import Balance
from ..api.sanitize import display
from .budget import Usage
from .store import Store


@dataclass(frozen=True)
class Money:
    """The balance as the header shows it: a count of credits, or money as text."""

    api: str  # the backend's name, said beside a money balance ("API v3 · $249.50")
    credits: int | None = None  # a balance in credits
    text: str | None = None  # a balance in money: "$249.50", "249.50 EUR", "?" (unknown)


@dataclass(frozen=True)
class Spent:
    """What this session used: credits (None: not known from the balance), or money."""

    credits: int | None = None
    money: str | None = None


@dataclass(frozen=True)
class HeaderFacts:
    counts: Counter[str]
    stalled: int  # jobs in flight that look stalled
    unreadable: int  # list items that could not be read
    money: Money | None
    usage: Usage | None = None  # requests against the key's rate limit (None: no budget)


def balance_text(balance: Balance, amount: float | None = None) -> str:
    """Money for the header: ``$249.50``, or ``249.50 EUR``; ``?`` when unreadable."""
    value = balance.amount if amount is None else amount
    if value is None:
        return "?"
    currency = display(balance.currency, max_len=8)
    return f"${value:,.2f}" if currency == "USD" else f"{value:,.2f} {currency}".strip()


class Ledger:
    """The balance, and what the session spent since the first balance it saw.

    ``money``: the backend counts in money (v3), not credits (v2); with money, the header
    names the API and shows ``?`` until the balance is read.
    """

    def __init__(self, api: str, *, money: bool) -> None:
        self.api = api
        self.in_money = money
        self._at_start: Balance | None = None

    def note(self, balance: Balance | None) -> None:
        """Remember the first readable balance: spending is counted from it."""
        if self._at_start is None and balance is not None and balance.amount is not None:
            self._at_start = balance

    def money(self, balance: Balance | None) -> Money | None:
        if balance is None:
            return Money(self.api, text="?") if self.in_money else None
        if balance.in_credits:
            return Money(self.api, credits=round(balance.amount or 0))
        return Money(self.api, text=balance_text(balance))

    def spent(self, balance: Balance | None) -> Spent:
        start = self._at_start
        if balance is None or balance.amount is None or start is None or start.amount is None:
            return Spent()
        used = max(start.amount - balance.amount, 0)
        if balance.in_credits:
            return Spent(credits=round(used))
        return Spent(money=balance_text(balance, used))


def header_facts(
    store: Store,
    money: Money | None,
    now: datetime,
    stall_after: float,
    usage: Usage | None = None,
) -> HeaderFacts:
    stalled = sum(
        1 for i in store.in_flight_ids() if store.is_stalled(store.rows[i], now, stall_after)
    )
    return HeaderFacts(store.counts(), stalled, len(store.malformed), money, usage)
