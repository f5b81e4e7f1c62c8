"""Textual's ProgressBar without its once-a-second wake-up (it redraws an ETA not shown here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.timer import Timer
from textual.widgets import ProgressBar


class StillProgressBar(ProgressBar):
    """A progress bar that is redrawn when its progress changes, and never by a timer.

    ``ProgressBar`` starts a 1 s interval on mount to refresh its ETA; with ``show_eta=False``
    that refresh changes nothing, but it wakes the app every second for each bar, shown or
    not. The interval is created paused instead.
    """

    def set_interval(
        self,
        interval: float,
        callback: Callable[[], Any] | None = None,
        *,
        name: str | None = None,
        repeat: int = 0,
        pause: bool = False,
    ) -> Timer:
        return super().set_interval(
            interval, callback, name=name, repeat=repeat, pause=pause or not self.show_eta
        )
