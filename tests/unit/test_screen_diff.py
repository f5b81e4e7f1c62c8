"""The changed-cells layer: the terminal must show exactly what Textual's own bytes would show.

A reference terminal emulator (pyte) is fed Textual's frames on one side and the layer's output
on the other; after every frame both screens must be equal, cell by cell (character, colors,
bold/italic/underline/reverse) and cursor, while the layer writes fewer bytes.
"""

from __future__ import annotations

import pyte
from hypothesis import given, settings
from hypothesis import strategies as st

from hedra_tui.ui.screen_diff import ScreenDiff

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
