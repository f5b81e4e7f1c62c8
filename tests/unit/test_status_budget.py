"""The status line's request piece: the share of the key's rate limit in use, at every width."""

from __future__ import annotations

from collections import Counter

import pytest
from rich.text import Text

from hedra_tui.state.budget import Usage
from hedra_tui.ui.fitline import Piece, fit_line
from hedra_tui.ui.widgets.status import budget_piece, share_text, status_line

from .test_status_line import PALETTE, WIDTHS, header_pieces, tokens

COUNTS = Counter({"queued": 3, "processing": 12, "finalizing": 2, "complete": 480, "error": 61})
SHARE = Usage(13, 0.04, 0.10, None, False)
SHARE_SLOWED = Usage(60, 0.10, 0.10, None, True)
CAP = Usage(24, None, None, 60, False)
CAP_SLOWED = Usage(60, None, None, 60, True)


def _line(width: int, usage: Usage | None, **over: object) -> str:
    state, counts, money = header_pieces(
        loading=("", ""), stalled=0, unseen=0, unreadable=0, **over
    )
    budget = budget_piece(usage, PALETTE)
    return status_line(width, state=state, counts=counts, money=money, budget=budget).plain


@pytest.mark.parametrize("usage", [SHARE, SHARE_SLOWED, CAP, CAP_SLOWED])
@pytest.mark.parametrize("api,credits", [("v2", 1_234_567), ("v3", "$1,249.50")])
def test_the_request_piece_fits_and_never_cuts_a_word_or_number(usage, api, credits):
    state, counts, money = header_pieces(api=api, credits=credits)
    budget = budget_piece(usage, PALETTE)
    assert budget is not None
    allowed = tokens([state, *counts, money, budget])
    for width in WIDTHS:
        line = status_line(width, state=state, counts=counts, money=money, budget=budget).plain
        assert len(line) <= width, (width, line)
        for tok in line.split():
            assert tok in allowed, f"{width}: {tok!r} is a cut or glued token in {line!r}"


@pytest.mark.parametrize(
    "usage,width,expected",
    [
        (SHARE, 160, "requests 4% of key limit"),
        (SHARE, 120, "req 4%"),
        (SHARE_SLOWED, 160, "requests 10% of key limit, slowed to fit 10%"),
        (SHARE_SLOWED, 120, "req 10% slowed"),
        (SHARE_SLOWED, 60, "req 10%"),
        (CAP, 160, "requests 24/min (cap 60)"),
        (CAP_SLOWED, 160, "requests 60/min (cap 60), slowed to fit"),
        (CAP_SLOWED, 80, "req 60/min"),
    ],
)
def test_the_request_piece_by_width(usage, width, expected):
    assert expected in _line(width, usage, counts=COUNTS, api="v3", credits="$249.50")


def test_the_share_shows_where_it_fits_but_never_makes_the_counts_shorten():
    over = {"counts": COUNTS, "api": "v3", "credits": "$249.50"}
    shown = []
    for width in range(40, 201):
        alone = _line(width, None, **over)
        line = _line(width, SHARE, **over)
        if "4% of key limit" in line or "req 4%" in line:
            shown.append(width)
        if "processing" in alone:
            continue  # wide enough for every word: the share shortens first there
        # take the share out, and the line is the line without it, word for word
        rest = [w for w in line.split() if w not in ("req", "4%")]
        assert rest == alone.split(), (width, line, alone)
    assert 100 in shown and 120 in shown  # where the status words are short, it has room
    assert 50 not in shown and 80 not in shown  # where it has none, it gives way


def test_a_monitor_slowed_by_its_budget_says_so_down_to_60_columns():
    assert "req 10%" in _line(60, SHARE_SLOWED, counts=COUNTS, api="v3", credits="$249.50")


def test_without_a_budget_there_is_no_piece():
    assert budget_piece(None, PALETTE) is None


def test_a_share_under_one_percent_is_not_shown_as_zero():
    assert share_text(0.004) == "<1%"
    assert share_text(0.0) == "0%"
    assert share_text(0.104) == "10%"


def test_a_yielding_piece_is_left_out_rather_than_the_others_shortened():
    words = Piece((Text("alpha beta"), Text("ab")), (1,))
    note = Piece((Text("note"),), right=True, yields_from=0)
    assert fit_line([words, note], 16).plain == "alpha beta  note"
    assert fit_line([words, note], 12).plain == "alpha beta"  # not "ab" to make room
    firm = Piece((Text("note"),), right=True)
    assert fit_line([words, firm], 12).plain == "ab      note"
