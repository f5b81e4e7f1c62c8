"""Pacing the output to what the terminal has shown (ui/link.py): a terminal that has not
answered yet gets no more frames, only a merged update once it answers; a slow link gets an
update every few seconds, except right after a key. The screen a terminal emulator shows
from what was sent is, once nothing is held, what Textual drew."""

from __future__ import annotations

from collections.abc import Callable

import pyte

from hedra_tui.ui.link import FIRST_ANSWER, PROBE, SLOW_EVERY, Link
from hedra_tui.ui.screen_diff import ScreenDiff

W, H = 40, 10


class Wire:
    """A terminal behind a link: what was written, a clock, and the event loop's timers."""

    def __init__(self, low_bandwidth: bool = False) -> None:
        self.now = 100.0
        self.timers: list[tuple[float, Callable[[], None]]] = []
        self.sent: list[str] = []
        self.link = Link(
            ScreenDiff(W, H),
            self.sent.append,
            low_bandwidth=low_bandwidth,
            clock=lambda: self.now,
            later=lambda delay, callback: self.timers.append((self.now + delay, callback)),
        )
        self.want, self.got = pyte.Screen(W, H), pyte.Screen(W, H)
        self.want_stream, self.got_stream = pyte.Stream(self.want), pyte.Stream(self.got)
        self.shown = 0  # how much of ``sent`` the terminal has read

    def frame(self, text: str, row: int = 0) -> None:
        data = f"\x1b[{row + 1};1H{text}"
        self.want_stream.feed(data)
        self.link.frame(data)

    def wait(self, seconds: float) -> None:
        """Time passes; timers that fall due run."""
        end = self.now + seconds
        while True:
            due = sorted((t for t in self.timers if t[0] <= end), key=lambda t: t[0])
            if not due:
                break
            at, callback = due[0]
            self.timers.remove(due[0])
            self.now = max(self.now, at)
            callback()
        self.now = end

    def drain(self, after: float = 0.0) -> None:
        """The terminal reads what was sent, ``after`` s from now, and answers the queries."""
        self.wait(after)
        pending = "".join(self.sent[self.shown :])
        self.shown = len(self.sent)
        self.got_stream.feed(pending)
        for _ in range(pending.count(PROBE)):
            self.link.answered()

    def screen(self, screen: pyte.Screen) -> list[str]:
        return screen.display

    def in_sync(self) -> bool:
        return self.screen(self.got) == self.screen(self.want)

    def bytes_sent(self) -> int:
        return sum(len(s) for s in self.sent)


def test_frames_wait_for_the_terminal_to_answer_then_go_as_one_merged_update():
    wire = Wire()
    wire.frame("ETA 20s")
    assert wire.sent[-1] == PROBE  # the update, then the query
    for eta in ("19s", "18s", "17s"):
        wire.frame(f"ETA {eta}")  # the terminal has not answered: held
    assert "".join(wire.sent).count("ETA") == 1
    wire.drain(0.05)  # it answers: the held frames go as one update, with a new query
    update = "".join(wire.sent[2:])
    assert "17" in update and "18" not in update and "19" not in update
    assert update.endswith(PROBE)
    wire.drain(0.01)
    assert wire.in_sync()
    assert not wire.link.slow  # answered quickly: not a slow link


def test_a_slow_answer_lowers_the_update_rate_and_a_key_goes_first():
    wire = Wire()
    wire.frame("first")
    wire.drain(0.01)  # the link's round trip
    wire.frame("a big update")
    wire.drain(1.0)  # it took a second to drain: a slow link
    assert wire.link.slow
    start = len(wire.sent)
    for second in range(SLOW_EVERY_INT):
        wire.wait(0.9)
        wire.frame(f"tick {second}", row=1)
        wire.drain(0.05)
    assert len(wire.sent) == start  # nothing for SLOW_EVERY s
    wire.wait(0.5)
    wire.drain(0.05)
    assert any(f"tick {SLOW_EVERY_INT - 1}" in s for s in wire.sent[start:])  # then one update
    assert wire.in_sync()
    sent = len(wire.sent)
    wire.link.key()  # a key: its answer is not held back by the slow rate
    wire.frame("the key's answer", row=2)
    assert any("key" in s for s in wire.sent[sent:])
    wire.drain(0.05)
    assert wire.in_sync()


SLOW_EVERY_INT = int(SLOW_EVERY)


def test_low_bandwidth_paces_from_the_start():
    wire = Wire(low_bandwidth=True)
    wire.frame("first")
    wire.drain(0.01)
    start = len(wire.sent)
    wire.frame("second", row=1)
    wire.drain(0.01)
    assert len(wire.sent) == start  # held: the previous update was under SLOW_EVERY s ago
    wire.wait(SLOW_EVERY)
    wire.drain(0.01)
    assert wire.in_sync()


def test_a_terminal_that_never_answers_is_not_paced():
    wire = Wire()
    wire.frame("first")  # the query goes out and is never answered
    wire.wait(1.0)
    wire.frame("second", row=1)  # held while an answer may still come
    wire.wait(FIRST_ANSWER)  # the timer gives up on the answer and sends what was held
    wire.frame("third", row=2)
    wire.got_stream.feed("".join(wire.sent))
    assert wire.in_sync()
    assert not wire.link.paced
    assert "".join(wire.sent).count(PROBE) == 1
