"""The status line and the error banner: small widgets that repaint only when their text changes."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from rich.text import Text
from textual.widget import Widget

from ...api.models import GenerationStatus
from ...state.activity import Activity, sparkline
from ...state.health import ConnState, Health, data_age_words, next_attempt_words, state_words
from ..palette import Palette, status_icon

_ORDER = (
    GenerationStatus.QUEUED,
    GenerationStatus.PROCESSING,
    GenerationStatus.FINALIZING,
    GenerationStatus.COMPLETE,
    GenerationStatus.ERROR,
)
_STATE_ICON = {
    ConnState.CONNECTING: "…",
    ConnState.LIVE: "●",
    ConnState.WAITING: "◌",
    ConnState.RETRYING: "⟳",
    ConnState.AUTH_FAILED: "⚠",
    ConnState.PAUSED: "⏸",
}


def compact(n: int) -> str:
    if n < 10_000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.0f}k"
    return f"{n / 1_000_000:.1f}M"


class TextLine(Widget):
    """A one-line widget showing a ``Text``; setting the same text again costs nothing."""

    DEFAULT_CSS = """
    TextLine { height: 1; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._text = Text()

    def set_text(self, text: Text) -> None:
        if text.plain == self._text.plain and text.spans == self._text.spans:
            return
        self._text = text
        self.refresh()

    def render(self) -> Text:
        return self._text


STATE_ROOM = 23  # the header gives the state 26 cells: the icon, a space, and a gap after


def state_text(health: Health, paused: bool, palette: Palette, mono_now: float = 0.0) -> Text:
    """Connection state and the time of the last good refresh; an overdue request is
    "waiting for the API, 6 s" (``mono_now``: the poller's monotonic clock), never live."""
    text = Text(no_wrap=True, overflow="ellipsis")
    state = health.shown_state(mono_now, paused)
    state_style = {
        ConnState.LIVE: palette.for_status(GenerationStatus.COMPLETE),
        ConnState.WAITING: palette.stalled,
        ConnState.RETRYING: palette.stalled,
        ConnState.AUTH_FAILED: palette.for_status(GenerationStatus.ERROR),
    }.get(state, palette.muted)
    label = state_words(health, mono_now, paused, room=STATE_ROOM)
    if state in (ConnState.RETRYING, ConnState.AUTH_FAILED) and health.last_ok is not None:
        label += " · stale"
    text.append(f"{_STATE_ICON[state]} {label}", style=state_style)
    if health.last_ok is not None and state is ConnState.LIVE:
        # while live, refreshes come every few seconds: minutes are enough and keep the
        # idle screen still (seconds would rewrite this line after every poll); when not
        # live, the banner says since when the data is, to the second
        text.append(f" {health.last_ok.astimezone():%H:%M}", style=palette.muted)
    return text


def counts_text(
    *,
    counts: Counter[str],
    stalled: int,
    palette: Palette,
    width: int,
    loading: str = "",
    unreadable: int = 0,
    unseen: int = 0,
) -> Text:
    """Counts by status, stalled jobs, unreadable items, and what is loading."""
    text = Text(no_wrap=True, overflow="ellipsis")
    wide = width >= 110
    for status in _ORDER:
        n = counts.get(status, 0)
        text.append(
            f"{status_icon(status)}{' ' if wide else ''}{compact(n)}",
            style=palette.for_status(status),
        )
        if wide:
            text.append(f" {status.value}", style=palette.muted)
        text.append("  ")
    other = sum(n for s, n in counts.items() if s not in _ORDER)
    if other:
        text.append(f"?{other}{' other' if wide else ''}  ", style=palette.unknown_status)
    if stalled:
        text.append(f"⚠ {stalled} stalled?  ", style=palette.stalled)
    if unseen:
        text.append(f"● {unseen} new  ", style=palette.header)
    if unreadable:
        text.append(f"⚠ {unreadable} unreadable  ", style=palette.stalled)
    if loading:
        text.append(loading, style=palette.muted)
    return text


def credits_text(
    credits: int | str | None, palette: Palette, *, wide: bool, api: str = "v2"
) -> Text:
    """v2: credits remaining; v3: the API version and the wallet balance (a money string)."""
    text = Text(no_wrap=True, overflow="ellipsis", justify="right")
    if api != "v2":
        text.append(f"API {api} · " if wide else f"{api} ", style=palette.muted)
    if isinstance(credits, str):
        text.append(credits)
    elif credits is not None:
        text.append("credits " if wide else "cr ", style=palette.muted)
        text.append(f"{credits:,}")
    return text


def banner_line(
    health: Health, paused: bool, palette: Palette, now: datetime, mono_now: float
) -> Text:
    """What is wrong, what happens next and since when the data is; empty while live.

    ``now`` is the wall clock (the data's age), ``mono_now`` the poller's monotonic clock
    (how long a request has waited, when the next attempt is due).
    """
    text = Text(no_wrap=True, overflow="ellipsis")
    if paused:
        text.append("⏸ paused: press p to resume polling (r polls once)", style=palette.muted)
        if health.last_ok is not None:
            text.append(f" · {data_age_words(health, now, with_age=False)}", style=palette.muted)
        return text
    if health.error is None:
        if health.shown_state(mono_now) is ConnState.WAITING:
            text.append("◌ no answer from the API yet", style=palette.stalled)
            text.append(f" · {data_age_words(health, now)}", style=palette.muted)
        return text
    style = palette.for_status(GenerationStatus.ERROR)
    text.append("✗ ", style=style)
    text.append(health.error, style=style)  # a rejected key's message names HEDRA_API_KEY
    # what happens next before since when: the end of the line is the first to be cut
    step = next_attempt_words(health, mono_now)
    if step is not None:
        hint = " (r: now)" if step.startswith("retry in") else ""
        text.append(f" · {step}{hint}", style=palette.muted)
    if health.last_ok is not None:
        text.append(f" · {data_age_words(health, now)}", style=palette.muted)
    return text


def activity_text(act: Activity, palette: Palette, credits_delta: int | str | None) -> Text:
    """One line: completions and failures per minute (sparklines), error rate, credits used."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("last 20 min  ", style=palette.muted)
    text.append(
        "✓ " + sparkline(act.completed), style=palette.for_status(GenerationStatus.COMPLETE)
    )
    text.append(f" {sum(act.completed[-5:]) / 5:.1f}/min  ", style=palette.muted)
    text.append("✗ " + sparkline(act.failed), style=palette.for_status(GenerationStatus.ERROR))
    text.append(f" {sum(act.failed[-5:]) / 5:.1f}/min", style=palette.muted)
    if act.error_rate is not None:
        text.append(f"  error rate {act.error_rate:.0%}", style=palette.muted)
    if isinstance(credits_delta, str):  # v3: money from the wallet balance
        text.append(f"  spent this session {credits_delta}", style=palette.muted)
        return text
    burned = credits_delta if credits_delta is not None else act.credits_burned
    text.append(f"  credits used this session {burned:,}", style=palette.muted)
    return text
