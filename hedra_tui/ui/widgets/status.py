"""The status line and the error banner: small widgets that repaint only when their text changes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from ...api.models import IN_FLIGHT_STATUSES, GenerationStatus
from ...state.activity import Activity, sparkline
from ...state.batches import BatchProgress
from ...state.budget import Usage
from ...state.header import Money, Spent
from ...state.health import (
    ConnState,
    Health,
    data_age_words,
    next_attempt_words,
    seconds_text,
    state_words,
    waiting_words,
)
from ..fitline import Piece, fit_line
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


# Stages of the status line (see ui/fitline.py): what shortens first as the width shrinks.
MONEY_SHORT = 1  # "credits 250,000" -> "cr 250,000"
LOADING_SHORT = 2  # "loading history… 5,000 loaded, back to …" -> "loading… 5,000"
WORDS_SHORT = 3  # "processing" -> "proc", "complete" -> "done", "stalled?" -> "stall?"
CLOCK_DROP = 4  # "● live 19:58" -> "● live" (only while live: otherwise the time matters)
ZEROS_DROP = 5  # counts of zero drop, except complete and error
TIGHT = 6  # pieces separated by one space instead of two
MONEY_COMPACT = 7  # "cr 250,000" -> "cr 250k"; the loading note drops
ICONS_SOME = 8  # in flight, other, stalled, new: "▶ 17 proc" -> "▶17", "? 1 other" -> "?1"
ICONS_ONLY = 9  # complete and error too: "✗ 9 error" -> "✗9"
STATE_ICON = 10  # "● live" -> "●"
MONEY_DROP = 11
IN_FLIGHT_MERGE = 12  # queued + processing + finalizing -> one "▶21"

_SHORT_WORDS = {
    GenerationStatus.QUEUED: "queued",
    GenerationStatus.PROCESSING: "proc",
    GenerationStatus.FINALIZING: "final",
    GenerationStatus.COMPLETE: "done",
    GenerationStatus.ERROR: "error",
}
_SHORT_STATE = {
    ConnState.CONNECTING: "connecting",
    ConnState.LIVE: "live",
    ConnState.WAITING: "waiting",
    ConnState.RETRYING: "retrying",
    ConnState.AUTH_FAILED: "auth failed",
    ConnState.PAUSED: "paused",
}
# what drops last when even the last stage is too wide (higher keeps longer)
_KEEP = {
    GenerationStatus.ERROR: 9,
    GenerationStatus.PROCESSING: 6,
    GenerationStatus.COMPLETE: 7,
    GenerationStatus.QUEUED: 5,
    GenerationStatus.FINALIZING: 5,
}


def _t(text: str, style: Style | str = "") -> Text:
    return Text(text, style=style)


def _pair(*parts: tuple[str, Style | str]) -> Text:
    out = Text()
    for text, style in parts:
        out.append(text, style=style)
    return out


def state_piece(health: Health, paused: bool, palette: Palette, mono_now: float = 0.0) -> Piece:
    """Connection state and the time of the last good refresh; an overdue request is
    "waiting for the API, 6 s" (``mono_now``: the poller's monotonic clock), never live."""
    state = health.shown_state(mono_now, paused)
    style = {
        ConnState.LIVE: palette.for_status(GenerationStatus.COMPLETE),
        ConnState.WAITING: palette.stalled,
        ConnState.RETRYING: palette.stalled,
        ConnState.AUTH_FAILED: palette.for_status(GenerationStatus.ERROR),
    }.get(state, palette.muted)
    icon = _STATE_ICON[state]
    label = state_words(health, mono_now, paused)
    stale = state in (ConnState.RETRYING, ConnState.AUTH_FAILED) and health.last_ok is not None
    if stale:
        label += " · stale"
    stamp = ""
    if health.last_ok is not None:
        # while live, refreshes come every few seconds: minutes are enough and keep the
        # idle screen still (seconds would rewrite this line after every poll)
        when = health.last_ok.astimezone()
        stamp = f"{when:%H:%M}" if state is ConnState.LIVE else f"{when:%H:%M:%S}"
    full = _pair((f"{icon} {label}", style), (f" {stamp}" if stamp else "", palette.muted))
    if state is ConnState.LIVE:
        forms = (full, _t(f"{icon} {label}", style), _t(icon, style))
        stages: tuple[int, ...] = (CLOCK_DROP, STATE_ICON)
    else:
        # not live: the age of the data is the point, it stays while anything does
        word = _SHORT_STATE[state]
        if state is ConnState.WAITING:  # "waiting for the API, 6 s" -> "waiting 6 s"
            waited = health.waiting(mono_now)
            word = label if waited is None else f"waiting {seconds_text(waited)}"
        short = _pair((f"{icon} {word}", style), (f" {stamp}", palette.muted))
        tiny = _pair((icon, style), (f" {stamp}", palette.muted)) if stamp else _t(icon, style)
        if state is ConnState.WAITING:  # the wait stays; the banner says since when
            tiny = _t(f"{icon} {word}", style)
        forms = (full, short if stamp else _t(f"{icon} {word}", style), tiny)
        stages = (WORDS_SHORT, STATE_ICON)
    return Piece(forms, stages, keep=10)


def count_pieces(
    *,
    counts: Counter[str],
    stalled: int,
    palette: Palette,
    loading: tuple[str, str] = ("", ""),
    unreadable: int = 0,
    unseen: int = 0,
    since: tuple[int, int] | None = None,
) -> list[Piece]:
    """Counts by status, stalled jobs, new endings, jobs that ended while no monitor was
    open (``since``: completed, failed), unreadable items, what is loading."""
    pieces: list[Piece] = []
    for status in _ORDER:
        n = counts.get(status, 0)
        style = palette.for_status(status)
        icon = status_icon(status)
        num = f"{n:,}"
        forms = [
            _pair((f"{icon} {num}", style), (f" {status.value}", palette.muted)),
            _pair((f"{icon} {num}", style), (f" {_SHORT_WORDS[status]}", palette.muted)),
            _t(f"{icon}{compact(n)}", style),
        ]
        final = status in (GenerationStatus.COMPLETE, GenerationStatus.ERROR)
        stages = [WORDS_SHORT, ICONS_ONLY if final else ICONS_SOME]
        if n == 0 and status not in (GenerationStatus.COMPLETE, GenerationStatus.ERROR):
            forms[2:] = [Text()]  # gone from ZEROS_DROP on, for good
            stages[1:] = [ZEROS_DROP]
        if status in IN_FLIGHT_STATUSES:
            forms.append(Text())
            stages.append(IN_FLIGHT_MERGE)
        pieces.append(Piece(tuple(forms), tuple(stages), keep=_KEEP[status]))
        if status is GenerationStatus.FINALIZING:
            flying = sum(counts.get(s, 0) for s in IN_FLIGHT_STATUSES)
            merged = _t(f"{status_icon(GenerationStatus.PROCESSING)}{compact(flying)}", style)
            pieces.append(Piece((Text(), merged), (IN_FLIGHT_MERGE,), keep=6))
    other = sum(n for s, n in counts.items() if s not in _ORDER)
    if other:
        style = palette.unknown_status
        pieces.append(
            Piece(
                (_t(f"? {other:,} other", style), _t(f"?{compact(other)}", style)),
                (ICONS_SOME,),
                keep=2,
            )
        )
    if stalled:
        style = palette.stalled
        pieces.append(
            Piece(
                (
                    _t(f"⚠ {stalled:,} stalled?", style),
                    _t(f"⚠ {stalled:,} stall?", style),
                    _t(f"⚠{compact(stalled)}", style),
                ),
                (WORDS_SHORT, ICONS_SOME),
                keep=8,
            )
        )
    if unseen:
        style = palette.header
        pieces.append(
            Piece(
                (_t(f"● {unseen:,} new", style), _t(f"●{compact(unseen)} new", style)),
                (ICONS_SOME,),
                keep=3,
            )
        )
    if since is not None:
        done, failed = since
        ok_style = palette.for_status(GenerationStatus.COMPLETE)
        bad_style = palette.for_status(GenerationStatus.ERROR)
        pieces.append(
            Piece(
                (
                    _pair(
                        ("since last run: ", palette.muted),
                        (f"✓ {done:,} done", ok_style),
                        (" ", ""),
                        (f"✗ {failed:,} failed", bad_style),
                    ),
                    _pair(
                        ("since last: ", palette.muted),
                        (f"✓{compact(done)}", ok_style),
                        (" ", ""),
                        (f"✗{compact(failed)}", bad_style),
                    ),
                    _pair(
                        ("• ", palette.muted),
                        (f"✓{compact(done)}", ok_style),
                        (" ", ""),
                        (f"✗{compact(failed)}", bad_style),
                    ),
                ),
                (WORDS_SHORT, ICONS_SOME),
                keep=3,
            )
        )
    if unreadable:
        style = palette.stalled
        pieces.append(
            Piece(
                (
                    _t(f"⚠ {unreadable:,} unreadable", style),
                    _t(f"⚠ {unreadable:,} bad", style),
                    _t(f"⚠{compact(unreadable)} bad", style),
                ),
                (WORDS_SHORT, ICONS_SOME),
                keep=4,
            )
        )
    long, short = loading
    if long:
        pieces.append(
            Piece(
                (_t(long, palette.muted), _t(short or long, palette.muted), Text()),
                (LOADING_SHORT, MONEY_COMPACT),
                keep=0,
            )
        )
    return pieces


def batch_piece(batches: list[BatchProgress], palette: Palette) -> Piece | None:
    """Watched batches: ``▦ batch 7/12 ✓5 ✗2`` (ended of all, completed, failed); several
    add up (``▦ 2 batches 9/20 ✓7 ✗2``). Shortens to ``▦ batch 7/12``, then ``▦7/12``."""
    if not batches:
        return None
    ended = sum(b.ended for b in batches)
    total = sum(b.total for b in batches)
    ok = sum(b.complete for b in batches)
    bad = sum(b.failed for b in batches)
    word = "batch" if len(batches) == 1 else f"{len(batches)} batches"
    style = palette.header
    done = palette.for_status(GenerationStatus.COMPLETE)
    failed = palette.for_status(GenerationStatus.ERROR)
    full = _pair((f"▦ {word} {ended}/{total}", style), (f" ✓{ok}", done))
    if bad:
        full.append(f" ✗{bad}", style=failed)
    return Piece(
        (full, _t(f"▦ {word} {ended}/{total}", style), _t(f"▦{ended}/{total}", style)),
        (WORDS_SHORT, ICONS_SOME),
        keep=6,
    )


def money_piece(money: Money | None, palette: Palette) -> Piece | None:
    """v2: credits remaining; v3: the API version and the wallet balance (money as text)."""
    if money is None:
        return None
    if money.credits is None:
        text = money.text or "?"
        api = money.api
        forms = (
            _pair((f"API {api} · ", palette.muted), (text, "")),
            _pair((f"{api} ", palette.muted), (text, "")),
            _t(text),
            Text(),
        )
        return Piece(forms, (MONEY_SHORT, MONEY_COMPACT, MONEY_DROP), keep=1, right=True)
    credits = money.credits
    forms = (
        _pair(("credits ", palette.muted), (f"{credits:,}", "")),
        _pair(("cr ", palette.muted), (f"{credits:,}", "")),
        _pair(("cr ", palette.muted), (compact(credits), "")),
        Text(),
    )
    return Piece(forms, (MONEY_SHORT, MONEY_COMPACT, MONEY_DROP), keep=1, right=True)


def share_text(share: float) -> str:
    """A share as whole percent; under one percent (but some) is ``<1%``."""
    return "<1%" if 0 < share < 0.01 else f"{share:.0%}"


def budget_piece(usage: Usage | None, palette: Palette) -> Piece | None:
    """The monitor's requests against the key's rate limit: ``requests 4% of key limit``
    (the server states its limit), else ``requests 12/min (cap 60)``. It shortens first, and
    once the status words would shorten it is shown only where it fits (never making the
    counts shorten), unless the monitor slowed down to stay inside its share: then it stays
    longer, says so, and is drawn as a warning."""
    if usage is None:
        return None
    if usage.share is not None:
        amount = share_text(usage.share)
        long, short = f"requests {amount} of key limit", f"req {amount}"
        if usage.slowed:
            long += f", slowed to fit {share_text(usage.allowed or 0)}"
    else:
        amount = f"{usage.per_minute:,}/min"
        long, short = f"requests {amount} (cap {usage.cap:,})", f"req {amount}"
        if usage.slowed:
            long += ", slowed to fit"
    style = palette.stalled if usage.slowed else palette.muted
    medium = f"{short} slowed" if usage.slowed else short
    forms = (_t(long, style), _t(medium, style), _t(short, style), Text())
    if usage.slowed:
        return Piece(forms, (MONEY_SHORT, WORDS_SHORT, MONEY_DROP), keep=3, right=True)
    plain = (_t(long, style), _t(short, style))
    return Piece(plain, (MONEY_SHORT,), keep=0, right=True, yields_from=WORDS_SHORT)


def status_line(
    width: int,
    *,
    state: Piece,
    counts: list[Piece],
    money: Piece | None,
    budget: Piece | None = None,
) -> Text:
    """The whole status line for ``width`` cells: every count whole, with its word or icon."""
    right = [p for p in (budget, money) if p is not None]
    pieces = [state, *counts, *right]
    return fit_line(pieces, width, tight_from=TIGHT)


def cut_words(text: str, limit: int) -> str:
    """``text`` within ``limit`` cells, cut after a whole word and marked with "…"."""
    if cell_len(text) <= limit:
        return text
    words = text.split(" ")
    out = ""
    for word in words:
        candidate = f"{out} {word}" if out else word
        if cell_len(candidate) + 1 > limit:
            break
        out = candidate
    return (out.rstrip(" ,;:·-") + "…") if out else ""


def _data_piece(health: Health, palette: Palette, now: datetime, *, age: bool = True) -> Piece:
    """Since when the data is, to the second: ``data from 12:03:07 (14s old)``."""
    muted = palette.muted
    stamp = f"{health.last_ok.astimezone():%H:%M:%S}" if health.last_ok else ""
    forms = [_t(data_age_words(health, now, with_age=False), muted), _t(f"from {stamp}", muted)]
    if age:
        forms.insert(0, _t(data_age_words(health, now), muted))
    return Piece(tuple(forms), (3, 4) if age else (4,), keep=8)


def banner_pieces(
    health: Health, paused: bool, palette: Palette, now: datetime, mono_now: float
) -> list[Piece]:
    """What is wrong, what happens next and since when the data is; none while live.

    ``now`` is the wall clock (the data's age), ``mono_now`` the poller's monotonic clock
    (how long a request has waited, when the next attempt is due).
    """
    muted = palette.muted
    data = [_data_piece(health, palette, now)] if health.last_ok is not None else []
    if paused:
        return [
            Piece(
                (
                    _t("⏸ paused: press p to resume polling (r polls once)", muted),
                    _t("⏸ paused: p resumes, r polls once", muted),
                    _t("⏸ paused (p resumes)", muted),
                ),
                (1, 2),
                keep=9,
            ),
            *([_data_piece(health, palette, now, age=False)] if data else []),
        ]
    if health.error is None:
        if health.shown_state(mono_now) is not ConnState.WAITING:
            return []
        waiting = Piece(
            (
                _t("◌ no answer from the API yet", palette.stalled),
                _t("◌ no answer yet", palette.stalled),
            ),
            (2,),
            keep=9,
        )
        return [waiting, *data]
    style = palette.for_status(GenerationStatus.ERROR)
    message = health.error  # a rejected key's message names HEDRA_API_KEY: said once
    # the message shortens at word boundaries; what happens next and since when stay whole
    limits = (200, 60, 40, 24)
    msg_forms = tuple(_t("✗ " + cut_words(message, n), style) for n in limits)
    pieces = [Piece(msg_forms, (2, 3, 5), keep=9)]
    step = next_attempt_words(health, mono_now)
    if step is not None:
        if step.startswith("retry in"):
            forms = (_t(f"{step} (r: now)", muted), _t(step, muted))
        else:  # "retrying now", or how long the retry has waited
            compact = waiting_words(health, mono_now, room=0) or step
            forms = (_t(step, muted), _t(compact, muted))
        pieces.append(Piece(forms, (1,), keep=7))
    return [*pieces, *data]


def banner_line(
    health: Health,
    paused: bool,
    palette: Palette,
    now: datetime,
    mono_now: float,
    width: int = 200,
) -> Text:
    """The banner for ``width`` cells; empty while live."""
    return fit_line(banner_pieces(health, paused, palette, now, mono_now), width, sep=" · ")


def activity_pieces(act: Activity, palette: Palette, spent: Spent) -> list[Piece]:
    """Completions and failures per minute (sparklines), error rate, what this session used."""
    muted = palette.muted
    ok = palette.for_status(GenerationStatus.COMPLETE)
    bad = palette.for_status(GenerationStatus.ERROR)
    half = len(act.completed) // 2

    def spark(icon: str, values: list[int], style: Style) -> Piece:
        rate = f" {sum(values[-5:]) / 5:.1f}/min"
        return Piece(
            (
                _pair((f"{icon} {sparkline(values)}", style), (rate, muted)),
                _pair((f"{icon} {sparkline(values[-half:])}", style), (rate, muted)),
                _t(f"{icon} {sparkline(values[-half:])}", style),
            ),
            (3, 5),
            keep=8,
        )

    minutes = len(act.completed)
    pieces = [
        Piece(
            (_t(f"last {minutes} min", muted), _t(f"last {half} min", muted)),
            (3,),
            keep=9,
        ),
        spark("✓", act.completed, ok),
        spark("✗", act.failed, bad),
    ]
    if act.error_rate is not None:
        rate = f"{act.error_rate:.0%}"
        pieces.append(
            Piece((_t(f"error rate {rate}", muted), _t(f"err {rate}", muted)), (2,), keep=5)
        )
    if spent.money is not None:  # v3: money from the wallet balance
        pieces.append(
            Piece(
                (
                    _t(f"spent this session {spent.money}", muted),
                    _t(f"spent {spent.money}", muted),
                ),
                (1,),
                keep=4,
            )
        )
    else:
        burned = spent.credits if spent.credits is not None else act.credits_burned
        pieces.append(
            Piece(
                (
                    _t(f"credits used this session {burned:,}", muted),
                    _t(f"used {burned:,} credits", muted),
                    _t(f"used {burned:,} cr", muted),
                ),
                (1, 4),
                keep=4,
            )
        )
    return pieces


def activity_line(act: Activity, palette: Palette, spent: Spent, width: int) -> Text:
    """The activity strip for ``width`` cells."""
    return fit_line(activity_pieces(act, palette, spent), width)


class FitLine(Widget):
    """A one-line widget laid out for its own width when drawn (so a resize re-fits it).

    ``set_line`` takes a key standing for everything the line shows and a function of the
    width; the same key again costs nothing, so facts that did not change repaint nothing.
    """

    DEFAULT_CSS = """
    FitLine { height: 1; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._key: object = None
        self._build: Callable[[int], Text] | None = None

    def set_line(self, key: object, build: Callable[[int], Text]) -> None:
        if key == self._key and self._build is not None:
            return
        self._key = key
        self._build = build
        self.refresh()

    @property
    def plain(self) -> str:
        """What the line says at its current width (for tests and the pty checks)."""
        return self._build(self.content_size.width).plain if self._build else ""

    def render(self) -> Text:
        if self._build is None:
            return Text()
        return self._build(self.content_size.width)
