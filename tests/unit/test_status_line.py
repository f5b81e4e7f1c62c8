"""The status line, the banner and the activity strip at every width: what a person reads.

Every count keeps its number whole (and its word, while there is room for words), nothing
is cut inside a word or glued to the next, and the line never outgrows its width.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from hedra_tui.state.activity import Activity
from hedra_tui.state.header import Money, Spent
from hedra_tui.state.poller import ConnState, Health
from hedra_tui.ui.fitline import Piece
from hedra_tui.ui.palette import Palette
from hedra_tui.ui.widgets.status import (
    activity_line,
    activity_pieces,
    banner_line,
    banner_pieces,
    count_pieces,
    money_piece,
    state_piece,
    status_line,
)

PALETTE = Palette.from_variables({}, dark=True)
NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
# realistic counts from a long session (the ones that overflowed at 120 columns)
COUNTS = Counter(
    {"queued": 12, "processing": 148, "finalizing": 7, "complete": 5044, "error": 659, "x": 3}
)
WIDTHS = range(30, 201)


def tokens(pieces: list[Piece]) -> set[str]:
    """Every whitespace-separated token any form of any piece can show."""
    return {tok for p in pieces for form in p.forms for tok in form.plain.split()}


def header_pieces(**over):
    health = over.pop("health", Health(state=ConnState.LIVE, last_ok=NOW))
    state = state_piece(health, False, PALETTE, over.pop("mono", 0.0))
    counts = count_pieces(
        counts=over.pop("counts", COUNTS),
        stalled=over.pop("stalled", 23),
        palette=PALETTE,
        loading=over.pop(
            "loading", ("loading history… 53,200 loaded, back to 2026-09-01", "loading… 53,200")
        ),
        unreadable=over.pop("unreadable", 2),
        unseen=over.pop("unseen", 31),
    )
    credits = over.pop("credits", 1_234_567)
    api = over.pop("api", "v2")
    if isinstance(credits, str):  # v3: money, as text
        money = money_piece(Money(api, text=credits), PALETTE)
    else:
        money = money_piece(Money(api, credits=credits), PALETTE)
    return state, counts, money


@pytest.mark.parametrize("api,credits", [("v2", 1_234_567), ("v3", "$1,249.50")])
def test_status_line_fits_and_never_cuts_a_word_or_number(api, credits):
    state, counts, money = header_pieces(api=api, credits=credits)
    allowed = tokens([state, *counts, money])
    for width in WIDTHS:
        line = status_line(width, state=state, counts=counts, money=money).plain
        assert len(line) <= width, (width, line)
        for tok in line.split():
            assert tok in allowed, f"{width}: {tok!r} is a cut or glued token in {line!r}"


def test_status_line_keeps_every_count_with_its_number_down_to_60_columns():
    state, counts, money = header_pieces()
    for width in range(60, 201):
        line = status_line(width, state=state, counts=counts, money=money).plain
        # the complete and error counts, the in-flight counts, stalled and new: all there
        for number in ("5,044|5044|5.0k", "659", "148", "23", "31"):
            assert re.search(rf"(?<![\d,.])({number})(?![\d,.])", line), (width, number, line)


@pytest.mark.parametrize(
    "width,expected",
    [
        (
            200,
            [
                "● live",
                "12 queued",
                "148 processing",
                "7 finalizing",
                "5,044 complete",
                "659 error",
                "3 other",
                "23 stalled?",
                "31 new",
                "credits 1,234,567",
            ],
        ),
        (120, ["148 proc", "5,044 done", "659 error", "23 stall?"]),
        (80, ["✓ 5,044 done", "✗ 659 error", "▶148"]),
    ],
)
def test_status_line_words_by_width(width, expected):
    state, counts, money = header_pieces(loading=("", ""))
    line = status_line(width, state=state, counts=counts, money=money).plain
    for words in expected:
        assert words in line, (width, line)


def test_status_line_at_60_keeps_complete_and_error():
    state, counts, money = header_pieces(loading=("", ""), unreadable=0)
    line = status_line(58, state=state, counts=counts, money=money).plain
    assert re.search(r"✓ ?(5,044|5044)", line), line
    assert re.search(r"✗ ?659", line), line


def test_status_line_not_live_keeps_the_data_time():
    health = Health(state=ConnState.RETRYING, last_ok=NOW - timedelta(seconds=95), error="x")
    state, counts, money = header_pieces(health=health)
    stamp = f"{(NOW - timedelta(seconds=95)).astimezone():%H:%M:%S}"
    for width in (60, 80, 120, 160):
        line = status_line(width, state=state, counts=counts, money=money).plain
        assert stamp in line, (width, line)


def test_banner_keeps_what_happens_next_and_since_when_whole():
    health = Health(
        state=ConnState.RETRYING,
        last_ok=NOW - timedelta(minutes=3),
        error="The API answered 503 Service Unavailable: the upstream is overloaded, try later",
        next_at=107.0,  # on the poller's monotonic clock
    )
    pieces = banner_pieces(health, False, PALETTE, NOW, 100.0)
    allowed = tokens(pieces) | {"·"}
    stamp = f"{(NOW - timedelta(minutes=3)).astimezone():%H:%M:%S}"
    for width in range(60, 201):
        line = banner_line(health, False, PALETTE, NOW, 100.0, width).plain
        assert len(line) <= width
        assert "retry in 7s" in line and stamp in line, (width, line)
        for tok in line.split():
            assert tok in allowed or tok.rstrip("…") in allowed, (width, tok, line)


def test_activity_strip_fits_with_whole_numbers():
    act = Activity(completed=[3] * 20, failed=[1] * 20, error_rate=0.123, credits_burned=98_765)
    pieces = activity_pieces(act, PALETTE, Spent(credits=98_765))
    allowed = tokens(pieces)
    for width in range(40, 201):
        line = activity_line(act, PALETTE, Spent(credits=98_765), width).plain
        assert len(line) <= width
        for tok in line.split():
            assert tok in allowed, (width, tok, line)
        if width >= 100:
            assert "98,765" in line, (width, line)


def test_status_line_while_a_request_is_overdue_says_waiting_with_the_wait_whole():
    health = Health(state=ConnState.LIVE, last_ok=NOW - timedelta(seconds=20), busy_since=0.0)
    state, counts, money = header_pieces(health=health, mono=12.0)
    allowed = tokens([state, *counts, money])
    stamp = f"{(NOW - timedelta(seconds=20)).astimezone():%H:%M:%S}"
    assert (
        "waiting for the API, 12 s"
        in status_line(200, state=state, counts=counts, money=money).plain
    )
    for width in range(60, 201):
        line = status_line(width, state=state, counts=counts, money=money).plain
        assert "live" not in line, (width, line)
        assert re.search(r"waiting[^·]* 12 s", line), (width, line)
        assert stamp in line or width < 100, (width, line)  # the banner says it too
        for tok in line.split():
            assert tok in allowed, (width, tok, line)


def test_banner_while_the_retry_hangs_says_waiting_never_retry_in_0s():
    health = Health(
        state=ConnState.RETRYING,
        last_ok=NOW - timedelta(minutes=1),
        error="the request to /generations timed out",
        busy_since=100.0,  # the retry started at 100 and has not answered
    )
    for width in range(60, 201):
        line = banner_line(health, False, PALETTE, NOW, 107.0, width).plain
        assert "retry in" not in line, (width, line)
        assert re.search(r"waiting for (the )?API, 7 s", line), (width, line)


def test_a_zero_count_once_dropped_does_not_come_back_narrower():
    counts = Counter({"queued": 1, "processing": 19, "finalizing": 0, "complete": 71, "error": 9})
    state, pieces, money = header_pieces(counts=counts, loading=("", ""), stalled=0, unseen=0)
    for width in range(40, 120):
        line = status_line(width, state=state, counts=pieces, money=money).plain
        if "final" not in line:
            assert "◉" not in line, (width, line)


def test_a_watched_batch_is_counted_whole_at_every_width():
    from hedra_tui.state.batches import BatchProgress
    from hedra_tui.ui.widgets.status import batch_piece

    batch = batch_piece([BatchProgress("b1", total=12, complete=5, failed=2, other=0)], PALETTE)
    assert batch is not None
    state = state_piece(Health(state=ConnState.LIVE, last_ok=NOW), False, PALETTE)
    counts = count_pieces(counts=COUNTS, stalled=0, palette=PALETTE, unseen=3)
    money = money_piece(Money(credits=250_000, api="v2"), PALETTE)
    seen = set()
    for width in (60, 80, 100, 120, 160, 200):
        line = status_line(width, state=state, counts=[*counts, batch], money=money).plain
        assert len(line) <= width
        found = re.search(r"▦ ?batch 7/12( ✓5 ✗2)?|▦7/12", line)
        assert found, (width, line)
        seen.add(found.group(0))
    assert seen == {"▦7/12", "▦ batch 7/12", "▦ batch 7/12 ✓5 ✗2"}
    two = batch_piece([BatchProgress("a", 8, 6, 0, 0), BatchProgress("b", 12, 1, 2, 0)], PALETTE)
    assert two is not None and two.forms[0].plain == "▦ 2 batches 9/20 ✓7 ✗2"
