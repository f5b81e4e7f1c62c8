"""The changed-cells layer: the terminal must show exactly what Textual's own bytes would show.

A reference terminal emulator (pyte) is fed Textual's frames on one side and the layer's output
on the other; after every frame both screens must be equal, cell by cell (character, colors,
bold/italic/underline/reverse) and cursor, while the layer writes fewer bytes.
"""

from __future__ import annotations

import pyte
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import get_character_cell_size

from hedra_tui.ui.screen_diff import _SINGLE, _SINGLE_RANGES, ScreenDiff

W, H = 40, 12


def terminal() -> tuple[pyte.Screen, pyte.Stream]:
    screen = pyte.Screen(W, H)
    return screen, pyte.Stream(screen)


def cells(screen: pyte.Screen) -> list[list[tuple[object, ...]]]:
    return [
        [
            (c.data, c.fg, c.bg, c.bold, c.italics, c.underscore, c.reverse)
            for c in (screen.buffer[y][x] for x in range(screen.columns))
        ]
        for y in range(screen.lines)
    ]


def check(frames: list[str]) -> tuple[int, int]:
    raw, raw_stream = terminal()
    new, new_stream = terminal()
    diff = ScreenDiff(W, H)
    sent_raw = sent_new = 0
    for frame in frames:
        out = diff.process(frame)
        raw_stream.feed(frame)
        new_stream.feed(out)
        sent_raw += len(frame)
        sent_new += len(out)
        assert cells(new) == cells(raw), (frame, out)
        assert (new.cursor.x, new.cursor.y) == (raw.cursor.x, raw.cursor.y)
    return sent_raw, sent_new


def line(row: int, col: int, *segments: tuple[str, str]) -> str:
    """A line as Textual writes it: a cursor move, then styled segments each reset after."""
    out = f"\x1b[{row + 1};{col + 1}H"
    for style, text in segments:
        out += f"\x1b[{style}m{text}\x1b[0m" if style else text
    return out


def test_the_one_cell_characters_are_those_rich_measures_one_cell_wide():
    asked = {
        chr(c)
        for low, high in _SINGLE_RANGES
        for c in range(low, high + 1)
        if get_character_cell_size(chr(c)) == 1
    }
    assert asked == _SINGLE
    assert "a" in _SINGLE and "█" in _SINGLE and "\u0301" not in _SINGLE  # (a combining mark)


def test_one_changed_digit_costs_a_move_and_the_digit():
    first = line(3, 1, ("38;5;74", "▶ processing  "), ("", " 12s     ")) + "\x1b[1;2H"
    second = line(3, 1, ("38;5;74", "▶ processing  "), ("", " 11s     ")) + "\x1b[1;2H"
    diff = ScreenDiff(W, H)
    diff.process(first)
    out = diff.process(second)
    assert "processing" not in out and "1" in out
    assert len(out) < len(second) / 3
    check([first, second])


def test_styles_links_wide_and_combining_characters_stay_exact():
    frames = [
        line(0, 0, ("1;38;5;115;48;5;17", "● live"), ("38;5;245", " 21:15")),
        line(1, 0, ("", "中文 x"), ("3", "e\u0301t\u00e9")),
        "\x1b[2;1H\x1b]8;id=1;https://example.com/a\x1b\\link\x1b]8;;\x1b\\ after",
        line(1, 0, ("", "中文 y")),
        line(1, 1, ("", "z")),  # a narrow character over the second half of a wide one
        "\x1b[2;1H\x1b]8;id=1;https://example.com/b\x1b\\link\x1b]8;;\x1b\\ after",
        "\x07\x1b]52;c;aGk=\x07",  # a bell and a clipboard write pass through
    ]
    check(frames)


def test_unknown_sequences_pass_through_and_the_screen_is_forgotten():
    diff = ScreenDiff(W, H)
    diff.process(line(0, 0, ("", "hello")))
    out = diff.process("\x1b[2J" + line(0, 0, ("", "hello")))
    assert out.startswith("\x1b[2J") and "hello" in out  # not skipped as "unchanged"
    check(
        [line(0, 0, ("", "hello")), "\x1b[2J" + line(0, 0, ("", "hello")), line(0, 0, ("", "help"))]
    )


_alphabet = st.sampled_from([*"abc xyz0123456789…▶◉✓✗█▏·", "中", "文", "e\u0301", "🙂"])
_styles = st.sampled_from(["", "1", "38;5;74", "38;5;245;48;5;17", "1;38;2;10;20;30", "7", "4;3"])


@st.composite
def frames(draw: st.DrawFn) -> str:
    out = ""
    for _ in range(draw(st.integers(1, 6))):
        row = draw(st.integers(0, H - 1))
        col = draw(st.integers(0, W - 8))
        out += f"\x1b[{row + 1};{col + 1}H"
        room = W - col
        for _ in range(draw(st.integers(1, 3))):
            text = "".join(draw(st.lists(_alphabet, max_size=4)))
            width = sum(2 if ch in "中文🙂" else 1 for ch in text)
            if width > room:
                break
            room -= width
            style = draw(_styles)
            if draw(st.booleans()) and text:
                out += f"\x1b]8;id=7;https://x.test/{row}\x1b\\{text}\x1b]8;;\x1b\\"
            else:
                out += f"\x1b[{style}m{text}\x1b[0m" if style else text
    row, col = draw(st.integers(0, H - 1)), draw(st.integers(0, W - 1))
    return out + f"\x1b[{row + 1};{col + 1}H"


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(frames(), min_size=1, max_size=12))
def test_any_sequence_of_frames_shows_the_same_screen(sequence: list[str]) -> None:
    check(sequence)


# -- rows that move (a scroll region), frames held and merged, resizes ----------------------

_words = st.sampled_from(
    ["▶ processing", "◉ finalizing", "✓ complete", "12s", "~2m", "88%", "中文", "ab"]
)
_row_styles = st.sampled_from(["", "1", "38;5;74", "7", "38;5;245;48;5;17"])


def _paint(rows: list[tuple[str, str]], changed: list[int], width: int) -> str:
    """A frame as Textual writes it: each changed row from its left edge, styled, reset."""
    out = ""
    for y in changed:
        style, text = rows[y]
        room, kept = width, ""
        for ch in text:  # cut to the width, never half a wide character
            size = 2 if ch in "中文" else 1
            if size > room:
                break
            kept, room = kept + ch, room - size
        text = kept + " " * room
        out += f"\x1b[{y + 1};1H" + (f"\x1b[{style}m{text}\x1b[0m" if style else text)
    return out


@st.composite
def _screens(draw: st.DrawFn) -> list[tuple[str, object]]:
    """Steps: ("paint", (rows, changed rows, width)), ("hold", on), ("flush", _),
    ("resize", (width, height)); a resize is followed by a whole repaint, as in Textual."""
    width, height = W, H
    rows: list[tuple[str, str]] = [
        (draw(_row_styles), f"{y:02d} " + " ".join(draw(st.lists(_words, max_size=4))))
        for y in range(height)
    ]
    steps: list[tuple[str, object]] = [("paint", (list(rows), list(range(height)), width))]
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["move", "move", "edit", "hold", "flush", "resize"]))
        if kind == "resize":
            width, height = draw(st.sampled_from([(W, H), (W - 10, H - 3), (W, H + 2)]))
            rows = (rows + [("", f"{y:02d} new") for y in range(len(rows), height)])[:height]
            steps.append(("resize", (width, height)))
            steps.append(("paint", (list(rows), list(range(height)), width)))
            continue
        if kind in ("hold", "flush"):
            steps.append((kind, draw(st.booleans())))
            continue
        before = list(rows)
        if kind == "move":  # a block of rows moves up or down; what comes in is new
            top = draw(st.integers(0, height - 3))
            bottom = draw(st.integers(top + 2, height - 1))
            n = draw(st.sampled_from([1, -1, 2, -2, 3]))
            block = rows[top : bottom + 1]
            fresh = [(draw(_row_styles), f"new {i} " + draw(_words)) for i in range(abs(n))]
            block = fresh + block[: len(block) - n] if n > 0 else block[-n:] + fresh
            rows[top : bottom + 1] = block[: bottom - top + 1]
        for _ in range(draw(st.integers(0, 3))):  # a few rows change their text
            y = draw(st.integers(0, height - 1))
            rows[y] = (rows[y][0], rows[y][1][:3] + draw(_words))
        changed = [y for y in range(height) if rows[y] != before[y]]
        steps.append(("paint", (list(rows), changed, width)))
    return steps


def _run(steps: list[tuple[str, object]]) -> ScreenDiff:
    raw, raw_stream = terminal()
    new, new_stream = terminal()
    diff = ScreenDiff(W, H)
    for kind, arg in steps:
        if kind == "resize":
            width, height = arg  # type: ignore[misc]
            for screen in (raw, new):
                screen.resize(height, width)
            diff.reset(width, height)  # what the layer's install does on a resize
            continue
        if kind == "hold":
            diff.hold = bool(arg)
            continue
        if kind == "flush":
            new_stream.feed(diff.flush())
        else:
            rows, changed, width = arg  # type: ignore[misc]
            frame = _paint(rows, changed, width) + "\x1b[1;1H"
            raw_stream.feed(frame)
            new_stream.feed(diff.process(frame))
        if not diff.hold or kind == "flush":
            assert not diff.pending
            assert cells(new) == cells(raw), steps
            assert (new.cursor.x, new.cursor.y) == (raw.cursor.x, raw.cursor.y)
    new_stream.feed(diff.flush())
    assert cells(new) == cells(raw)
    return diff


@settings(max_examples=200, deadline=None, derandomize=True)
@given(_screens())
def test_moved_rows_held_frames_and_resizes_show_the_same_screen(steps) -> None:
    _run(steps)


def test_a_row_arriving_at_the_top_of_a_list_moves_the_rows_below_with_the_terminal():
    prompts = ["a fox", "the moon at noon", "koi", "neon diner", "a violinist", "desert caravan"]
    rows = [("", f"job {y:02d} {prompts[y % 6]:16} {10 + 7 * y}s {y * 3}%") for y in range(H)]
    arrived = [rows[0], ("", "job new ◷ queued"), *rows[1:-1]]  # a job arrives under row 0
    steps = [
        ("paint", (rows, list(range(H)), W)),
        ("paint", (arrived, list(range(1, H)), W)),
    ]
    diff = ScreenDiff(W, H)
    diff.process(_paint(rows, list(range(H)), W))
    out = diff.process(_paint(arrived, list(range(1, H)), W))
    assert "\x1b[2;12r" in out and "\x1b[L" in out  # a scroll region over rows 2-12, one line in
    assert "job 05" not in out  # the moved rows are not written again
    assert len(out) < 60
    assert _run(steps).shifts == 1


def test_held_frames_are_sent_merged_and_a_change_undone_is_not_sent():
    diff = ScreenDiff(W, H)
    diff.process(line(0, 0, ("", "ETA 12s")) + line(5, 0, ("", "x")))
    diff.hold = True
    for eta in ("11s", "10s", "9s "):
        assert diff.process(line(0, 0, ("", f"ETA {eta}"))) == ""
        assert diff.pending
    assert diff.process(line(5, 0, ("1", "y"))) == ""
    assert diff.process(line(5, 0, ("", "x"))) == ""  # changed, then changed back
    assert diff.process(line(0, 20, ("", "w"))) == ""  # the same row, another place
    out = diff.flush()
    assert "9s" in out and "11" not in out and "10" not in out
    assert "w" in out
    assert "x" not in out and "y" not in out
    assert not diff.pending and diff.flush() == ""


def test_a_bell_goes_out_while_frames_are_held():
    diff = ScreenDiff(W, H)
    diff.process(line(0, 0, ("", "a")))
    diff.hold = True
    assert diff.process(line(0, 0, ("", "b")) + "\x07") == "\x07"
    assert "b" in diff.flush()


# the three terminal graphics protocols, as a picture library would write them into a frame
KITTY = "\x1b_Ga=T,f=100,q=2,i=7,U=1,c=4,r=2;iVBORw0KGgoAAAANSUhEUgAAAAE=\x1b\\"
SIXEL = '\x1bPq"1;1;4;4#0;2;100;0;0#0~~~~-#0~~~~\x1b\\'
ITERM2 = "\x1b]1337;File=inline=1;width=4;height=2:iVBORw0KGgoAAAANSUhEUgAAAAE=\x07"


def test_graphics_sequences_reach_the_terminal_byte_for_byte_and_the_screen_is_forgotten():
    for picture in (KITTY, SIXEL, ITERM2):
        diff = ScreenDiff(W, H)
        diff.process(line(2, 0, ("", "caption")))
        frame = line(3, 0, ("", "x")) + picture + line(2, 0, ("", "caption"))
        out = diff.process(frame)
        assert out == frame, picture[:6]  # not a byte changed, none dropped
        # what the picture covered is unknown now: the next frame's cells are all written
        again = diff.process(line(2, 0, ("", "caption")))
        assert "caption" in again, picture[:6]
