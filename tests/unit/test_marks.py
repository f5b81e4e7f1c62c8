"""Marks are ids; an action is for the marked jobs, else the filtered list, else one job."""

from __future__ import annotations

from hedra_tui.state.marks import Marks, targets
from hedra_tui.state.view import View

from .test_view import store_with_jobs


def test_a_range_marks_from_the_anchor_to_the_cursor_on_top_of_earlier_marks():
    marks = Marks({"d"})
    ids = ["a", "b", "c", "d"]
    marks.start_range("a")
    marks.extend_range(ids, 0, 2)
    assert marks.ids == {"a", "b", "c", "d"}
    marks.extend_range(ids, 0, 1)  # back up: "c" leaves the range; "d" was marked before
    assert marks.ids == {"a", "b", "d"}
    marks.extend_range(ids, None, 1)  # the anchor was filtered away: the range ends
    assert not marks.ranging and marks.ids == {"a", "b", "d"}


def test_targets_prefer_marks_then_the_filtered_list_then_the_cursor():
    store = store_with_jobs()
    view = View(store)
    marks = Marks()
    assert targets(marks, store, view.ids(), view.filtering, "b").source == "selected"
    view.toggle_status("error")
    chosen = targets(marks, store, view.ids(), view.filtering, "c")
    assert (chosen.source, chosen.ids) == ("filtered", ["c"])
    assert chosen.describe() == "the filtered list (1)"
    marks.toggle("d")
    marks.toggle("a")
    marks.toggle("gone")  # an id the store no longer holds is not acted on
    chosen = targets(marks, store, view.ids(), view.filtering, "c")
    assert (chosen.source, chosen.ids, chosen.hidden) == ("marked", ["a", "d"], 2)
    assert chosen.describe() == "2 marked, 2 hidden by the filter"
