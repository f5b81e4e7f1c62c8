"""The webhook deliveries view (v3): recent deliveries, failed ones marked with an icon and
a word, and a redelivery after asking. The App fetches (``WebhooksScreen.Reload`` and
``Redeliver`` messages ask it to); this screen only lays out what it is given."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...api.backend import WebhookDelivery
from ...api.models import GenerationStatus
from ...api.sanitize import display
from ...state.derive import format_age, parse_time
from ..palette import Palette
from ..widgets.key_scroll import KeyOptionList
from .choice import Answer, ChoiceScreen

# status -> (icon, word): the meaning never rests on color alone
STATUS_WORDS = {
    "DELIVERED": ("✓", "delivered"),
    "FAILED": ("✗", "FAILED"),
    "PENDING": ("◌", "pending"),
    "DELIVERING": ("⟳", "sending"),
}


def status_words(delivery: WebhookDelivery) -> tuple[str, str]:
    return STATUS_WORDS.get(delivery.status.upper(), ("?", display(delivery.status, max_len=10)))


def delivery_line(delivery: WebhookDelivery, palette: Palette, now: datetime) -> Text:
    """One delivery on one line: status, HTTP code, age, job, event, attempts, the error."""
    icon, word = status_words(delivery)
    style = palette.muted
    if delivery.failed:
        style = palette.for_status(GenerationStatus.ERROR) + Style(bold=True)
    elif delivery.status.upper() == "DELIVERED":
        style = palette.for_status(GenerationStatus.COMPLETE)
    elif delivery.in_flight:
        style = palette.for_status(GenerationStatus.PROCESSING)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{icon} {word:<9}", style=style)
    code = delivery.last_response_status
    text.append(f" {code if code is not None else '—':>3}", style=style if code else palette.muted)
    age = format_age(parse_time(delivery.created_at), now)
    text.append(f" {age:>4}", style=palette.muted)
    text.append(f"  {display(delivery.job_id, max_len=40)}")
    event = display(delivery.event_type or "(job running)", max_len=20)
    text.append(f"  {event:<13}", style=palette.muted)
    tries = "1 try" if delivery.attempts == 1 else f"{delivery.attempts} tries"
    text.append(f"  {tries}", style=palette.muted)
    if delivery.redelivery_count:
        text.append(f" ↻{delivery.redelivery_count}", style=palette.muted)
    if delivery.failed and delivery.error_code:  # the message is in the detail below
        text.append(f"  {display(delivery.error_code, max_len=30)}", style=style)
    return text


def delivery_detail(delivery: WebhookDelivery, palette: Palette, now: datetime) -> Text:
    """The highlighted delivery in full: where it goes, why it failed, what a retry may do."""
    out = Text()
    out.append("to ", style=palette.muted)
    out.append(display(delivery.webhook_url or "?", max_len=300))
    if delivery.source:
        out.append(f" ({display(delivery.source, max_len=20)})", style=palette.muted)
    out.append("\nmodel ", style=palette.muted)
    out.append(display(delivery.model or "?", max_len=60))
    last = parse_time(delivery.last_attempt_at)
    if last is not None:
        out.append("  last attempt ", style=palette.muted)
        out.append(f"{format_age(last, now)} ago")
    if delivery.failed:
        out.append("\n✗ ", style=palette.for_status(GenerationStatus.ERROR))
        code = display(delivery.error_code or "", max_len=30)
        said = display(delivery.error_message or "", max_len=300)
        out.append(f"{code}{': ' if code and said else ''}{said}" or "failed")
        if delivery.retryable is not None:
            hint = "a redelivery may help" if delivery.retryable else "fix the endpoint first"
            out.append(f" ({hint})", style=palette.muted)
    return out


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


class DeliveryList(KeyOptionList):
    """The deliveries; j/k, g/G and PgUp/PgDn move as everywhere else."""


class WebhooksScreen(ModalScreen[None]):
    """Recent webhook deliveries; enter asks, then redelivers the highlighted one."""

    BINDINGS = [
        Binding("escape,q,W", "dismiss(None)", "Close", id="webhooks.close"),
        Binding("r", "reload", "Reload", id="webhooks.reload"),
        Binding("m", "more", "More", id="webhooks.more"),
        Binding("f", "failed_only", "Failed only", id="webhooks.failed"),
    ]
    DEFAULT_CSS = """
    WebhooksScreen { align: center middle; }
    WebhooksScreen > Vertical {
        width: 130; max-width: 100%; height: auto; max-height: 95%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    WebhooksScreen DeliveryList, WebhooksScreen DeliveryList:focus {
        height: auto; max-height: 60vh; border: none;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    WebhooksScreen #webhooks-detail { margin-top: 1; height: auto; }
    """

    class Reload(Message):
        """Ask the App to fetch the deliveries again (for ``screen``)."""

        def __init__(self, screen: WebhooksScreen) -> None:
            super().__init__()
            self.screen = screen

    class LoadMore(Message):
        """Ask the App for the page after ``cursor`` (appended to what is listed)."""

        def __init__(self, screen: WebhooksScreen, cursor: str) -> None:
            super().__init__()
            self.screen = screen
            self.cursor = cursor

    class Redeliver(Message):
        """The person confirmed: the App sends the redelivery."""

        def __init__(self, screen: WebhooksScreen, delivery: WebhookDelivery) -> None:
            super().__init__()
            self.screen = screen
            self.delivery = delivery

    def __init__(self, palette: Palette, now: datetime) -> None:
        super().__init__()
        self.palette = palette
        self.now = now
        self.deliveries: list[WebhookDelivery] = []  # every one loaded, newest first
        self.shown: list[WebhookDelivery] = []  # those listed (all, or the failed ones)
        self.failed_only = False
        self.next_cursor: str | None = None  # the next page's, while there is one
        self.loading_more = False
        self.loaded = False
        self.early_problem: str | None = None  # an error that came before the screen was up
        self._early: tuple[Sequence[WebhookDelivery], datetime, bool, str | None] | None = None

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Webhook deliveries"
            yield Static(
                # each key with its words on one line (a no-break space between them)
                Text(
                    " · ".join(
                        k.replace(" ", "\u00a0")
                        for k in (
                            "enter redeliver (asks first)",
                            "f failed only",
                            "m more",
                            "r reload",
                            "esc close",
                        )
                    ),
                    style="dim",
                ),
                id="webhooks-hint",
            )
            yield Static(Text("loading…", style="dim"), id="webhooks-state")
            listing = DeliveryList(id="webhooks-list")
            listing.display = False  # until there is something to list
            yield listing
            yield Static(Text(), id="webhooks-detail")

    def on_mount(self) -> None:
        # an answer that came before the screen was up is shown once it is (during on_mount
        # the screen does not count as mounted yet)
        early, self._early = self._early, None
        if early is not None:
            self.call_after_refresh(self.show_deliveries, *early)
        problem, self.early_problem = self.early_problem, None
        if problem is not None:
            self.call_after_refresh(self.show_problem, problem)

    def show_deliveries(
        self,
        deliveries: Sequence[WebhookDelivery],
        now: datetime,
        more: bool,
        cursor: str | None = None,
    ) -> None:
        """Lay out a fresh first page; the highlight stays on the same job where it can.
        ``cursor``: the next page's (``m``, or moving past the last one, loads it)."""
        if not self.is_mounted:
            self._early = (deliveries, now, more, cursor)
            return
        self.now = now
        self.deliveries = list(deliveries)
        self.next_cursor = cursor if more else None
        self.loading_more = False
        self.loaded = True
        self._relist()

    def append_deliveries(
        self, deliveries: Sequence[WebhookDelivery], now: datetime, cursor: str | None
    ) -> None:
        """The next page, under what is listed (a delivery listed already is not repeated)."""
        self.loading_more = False
        if not self.is_mounted:
            return
        self.now = now
        seen = {d.job_id for d in self.deliveries}
        self.deliveries += [d for d in deliveries if d.job_id not in seen]
        self.next_cursor = cursor
        self._relist()

    def more_failed(self) -> None:
        """The next page could not be read: the listing stays, ``m`` tries again."""
        self.loading_more = False

    def _relist(self) -> None:
        keep = self.highlighted
        self.shown = [d for d in self.deliveries if d.failed or not self.failed_only]
        failed = sum(d.failed for d in self.deliveries)
        box = self.query_one(Vertical)
        more = "+" if self.next_cursor else ""
        count = f"{len(self.deliveries)}{more} recent"
        box.border_title = (
            f"Webhook deliveries · {count}"
            + (f" · ✗ {failed} failed" if failed else "")
            + (" · failed only (f: all)" if self.failed_only else "")
        )
        listing = self.query_one(DeliveryList)
        listing.clear_options()
        listing.add_options(
            Option(delivery_line(d, self.palette, self.now), id=str(i))
            for i, d in enumerate(self.shown)
        )
        state = self.query_one("#webhooks-state", Static)
        if not self.shown:
            if self.failed_only and self.deliveries:
                words = "No failed deliveries among these (f: show all; m: older ones)."
            else:
                words = "No webhook deliveries yet: jobs submitted with a webhook show here."
            state.update(Text(words))
            state.display = True
            listing.display = False
            self._show_detail()
            return
        state.display = False
        listing.display = True
        index = 0
        if keep is not None:
            index = next((i for i, d in enumerate(self.shown) if d.job_id == keep.job_id), 0)
        listing.highlighted = index
        listing.focus()
        self._show_detail()

    def action_more(self) -> None:
        if self.next_cursor is None:
            self.notify("No older deliveries: all are listed", markup=False)
            return
        if not self.loading_more:
            self.loading_more = True
            self.post_message(self.LoadMore(self, self.next_cursor))

    def action_failed_only(self) -> None:
        self.failed_only = not self.failed_only
        if self.loaded:
            self._relist()

    def show_problem(self, message: str) -> None:
        state = self.query_one("#webhooks-state", Static)
        state.update(Text(display(message, max_len=300), style="bold"))
        state.display = True

    @property
    def highlighted(self) -> WebhookDelivery | None:
        listing = self.query_one(DeliveryList)
        index = listing.highlighted
        if index is None or not 0 <= index < len(self.shown):
            return None
        return self.shown[index]

    def _show_detail(self) -> None:
        delivery = self.highlighted
        detail = self.query_one("#webhooks-detail", Static)
        detail.update(delivery_detail(delivery, self.palette, self.now) if delivery else Text())

    def on_option_list_option_highlighted(self, _: OptionList.OptionHighlighted) -> None:
        self._show_detail()
        listing = self.query_one(DeliveryList)
        if listing.highlighted == len(self.shown) - 1 and self.next_cursor is not None:
            self.action_more()  # at the last one: the older ones come on their own

    def on_option_list_option_selected(self, _: OptionList.OptionSelected) -> None:
        self.ask_redeliver()

    def action_reload(self) -> None:
        self.post_message(self.Reload(self))

    def ask_redeliver(self) -> None:
        """Ask first: a redelivery POSTs the event to the endpoint again."""
        delivery = self.highlighted
        if delivery is None:
            return
        if delivery.in_flight:
            self.notify(
                "This delivery is still being sent: it can be redelivered once it has finished",
                markup=False,
                severity="warning",
            )
            return
        icon, word = status_words(delivery)
        question = (
            f"Send the webhook for {display(delivery.job_id, max_len=60)} again?\n"
            f"to {display(delivery.webhook_url, max_len=200)}\n"
            f"now: {icon} {word} after {_count(delivery.attempts, 'attempt')}"
            + (
                f", {_count(delivery.redelivery_count, 'redelivery', 'redeliveries')} so far"
                if delivery.redelivery_count
                else ""
            )
        )
        answers = [Answer("y", "y", "yes, redeliver", "yes"), Answer("n", "n", "no", "no")]

        def picked(choice: str | None) -> None:
            if choice == "yes":
                self.post_message(self.Redeliver(self, delivery))

        self.app.push_screen(ChoiceScreen("Redeliver the webhook?", question, answers), picked)
