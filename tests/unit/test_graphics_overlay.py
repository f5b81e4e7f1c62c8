"""A picture painted over cells (iTerm2, Sixel) with the real changed-cells layer: painted
once, again only when a frame wrote over one of its cells, not while covered, and its old
cells handed back to Textual when it moves or goes."""

from __future__ import annotations

from hedra_tui.ui.graphics_overlay import Overlay, Target
from hedra_tui.ui.screen_diff import ScreenDiff

W, H = 30, 12
IMG = "\x1b]1337;File=inline=1:AAAA\x07"


def _frame(rows: dict[int, str]) -> str:
    return "".join(f"\x1b[{y + 1};1H{text:<{W}}" for y, text in rows.items()) + "\x1b[1;1H"


class Rig:
    def __init__(self) -> None:
        self.diff = ScreenDiff(W, H)
        self.written: list[str] = []
        self.repaints: list[object] = []
        self.overlay = Overlay(self.diff, self.written.append, self.repaints.append)
        self.target: Target | None = None
        self.overlay.target = lambda: self.target
        self.diff.process(_frame({y: f"row {y}" for y in range(H)}))
        self.overlay.check()

    def frame(self, rows: dict[int, str]) -> str:
        out = self.diff.process(_frame(rows))
        self.overlay.check()
        return out

    def paints(self) -> int:
        return sum(1 for w in self.written if IMG in w)


def test_painted_once_then_only_when_its_cells_are_written_over():
    rig = Rig()
    rig.target = Target((2, 20, 5, 28), "a", IMG, True)  # rows 2-4, columns 20-27
    rig.overlay.check()
    assert rig.written == [f"\x1b7\x1b[3;21H{IMG}\x1b8"]  # cursor saved and put back
    rig.overlay.check()
    rig.frame({0: "the clock moved"})  # elsewhere
    rig.frame({3: "row 3"})  # the same text again: no cell written
    assert rig.paints() == 1
    rig.frame({3: "row 3" + " " * 18 + "toast"})  # a toast over the picture's row 3
    assert rig.paints() == 2
    rig.frame({3: "ROW 3" + " " * 18 + "toast"})  # changes only left of the picture
    assert rig.paints() == 2
    rig.frame({3: "ROW 3"})  # the toast goes: its cells are written with blanks
    assert rig.paints() == 3


def test_not_painted_while_covered_then_painted_once_uncovered():
    rig = Rig()
    rig.target = Target((2, 20, 5, 28), "a", IMG, True)
    rig.overlay.check()
    rig.target = Target((2, 20, 5, 28), "a", IMG, False)  # a dialog over it
    rig.frame({y: "dialog " * 4 for y in range(H)})
    assert rig.paints() == 1
    rig.target = Target((2, 20, 5, 28), "a", IMG, True)
    rig.frame({y: f"row {y}" for y in range(H)})  # the dialog goes
    assert rig.paints() == 2
    rig.frame({0: "row 0 tick"})
    assert rig.paints() == 2


def test_moving_or_going_hands_the_old_cells_back_to_textual():
    rig = Rig()
    rig.target = Target((2, 20, 5, 28), "a", IMG, True)
    rig.overlay.check()
    rig.target = Target((3, 20, 6, 28), "a", IMG, True)  # moved a row down
    rig.overlay.check()
    assert rig.paints() == 1  # not yet: Textual first writes the old cells again
    assert len(rig.repaints) == 1
    region = rig.repaints[0]
    assert (region.x, region.y, region.width, region.height) == (20, 2, 8, 3)
    assert all(rig.diff.grid[y][x] is None for y in range(2, 5) for x in range(20, 28))
    out = rig.frame({y: f"row {y}" for y in range(H)})  # Textual's repaint of the region
    assert "\x1b[3;21H" in out  # the forgotten cells are written, though they did not change
    assert rig.written[-1] == f"\x1b7\x1b[4;21H{IMG}\x1b8"
    assert rig.paints() == 2
    rig.target = None  # gone (the selection moved to a job without a picture)
    rig.overlay.check()
    assert len(rig.repaints) == 2 and rig.diff.watched is None


def test_off_screen_or_on_the_last_row_is_not_painted():
    rig = Rig()
    rig.target = Target((9, 0, 12, 8), "a", IMG, True)  # its last row is the screen's last
    rig.overlay.check()
    assert rig.paints() == 0


def test_rows_under_a_picture_are_not_moved_by_a_scroll_region():
    prompts = ["a fox", "the moon at noon", "koi", "neon diner", "a violinist", "desert"]
    rows = {y: f"job {y:02d} {prompts[y % 6]:16} {10 + 7 * y}s" for y in range(H)}
    arrived = {0: rows[0], 1: "job new queued", **{y + 1: rows[y] for y in range(1, H - 1)}}
    plain = ScreenDiff(W, H)
    plain.process(_frame(rows))
    assert "r\x1b[" in plain.process(_frame(arrived))  # a scroll region moved them
    rig = Rig()
    rig.frame(rows)
    rig.target = Target((6, 22, 9, 30), "a", IMG, True)
    rig.overlay.check()
    out = rig.frame(arrived)
    assert "r\x1b[" not in out and rig.diff.shifts == 0  # written, not moved
    assert rig.paints() == 2  # and the picture painted again over what was written
