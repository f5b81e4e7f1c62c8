"""Messages from the poll workers to the App: the poller's reports, wrapped for Textual.

The state layer knows nothing of Textual; the App's workers read the poller (``run`` and
``live_changes``) and post these, so the poller reaches the screen the way every other event
does, in order, on the App's message queue.
"""

from __future__ import annotations

from textual.message import Message

from ..state.reports import CycleReport, LiveChanges


class PollReport(Message):
    """A poll cycle ended (or failed): what it changed, what ended, its error."""

    def __init__(self, report: CycleReport) -> None:
        super().__init__()
        self.report = report


class LiveUpdate(Message):
    """Jobs changed between cycles (live stream frames), gathered over up to a second."""

    def __init__(self, changes: LiveChanges) -> None:
        super().__init__()
        self.changes = changes
