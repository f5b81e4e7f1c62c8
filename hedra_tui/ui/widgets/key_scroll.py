"""A scrollable text region and an option list that speak the monitor's movement keys
(j/k, g/G, PgUp/PgDn)."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import OptionList

from ..actions import bindings


class KeyScroll(VerticalScroll):
    """``VerticalScroll`` knows only the arrows; here j/k, g/G and ctrl+f/b scroll too."""

    MOVE_ACTIONS = {
        "down": "scroll_down",
        "up": "scroll_up",
        "top": "scroll_home",
        "bottom": "scroll_end",
        "page_down": "page_down",
        "page_up": "page_up",
    }
    BINDINGS = bindings("move", MOVE_ACTIONS)


class KeyOptionList(OptionList):
    """``OptionList`` with j/k, g/G and PgUp/PgDn moving its highlight as everywhere else."""

    MOVE_ACTIONS = {
        "down": "cursor_down",
        "up": "cursor_up",
        "top": "first",
        "bottom": "last",
        "page_down": "page_down",
        "page_up": "page_up",
    }
    BINDINGS = bindings("move", MOVE_ACTIONS)
