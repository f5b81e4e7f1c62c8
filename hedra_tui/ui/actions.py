"""Every key in one table: it builds the bindings, the `?` help and the command palette.

A ``[keymap]`` entry replaces the keys of one binding id; help and palette read the keys in
force from the same table, so what they say is what the keys do (lazygit's pattern).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding, BindingType
from textual.keys import format_key

Scope = Literal["app", "move", "list", "tree", "errors", "resubmit"]

# The movement every pane that moves speaks (the list, the tree, the errors view, help, the
# zoomed job text): each widget maps these names to its own actions (see ``bindings``).
MOVES = ("down", "up", "top", "bottom", "page_down", "page_up")


@dataclass(frozen=True)
class Command:
    """One binding: its id (the name a ``[keymap]`` entry uses), default keys and words."""

    id: str
    keys: str  # Textual key names, comma-separated
    action: str  # an action string; for scope "move", one of MOVES
    label: str  # the footer's word, and the palette's title unless ``title`` is set
    help: str  # the line in `?` help (commands of a section with the same help share it)
    section: str
    scope: Scope = "app"
    footer: int = 0  # its place in the footer (1 first); 0: not in the footer
    palette: bool = True
    title: str = ""

    @property
    def palette_title(self) -> str:
        return self.title or self.label


MOVE = "Move (list, tree, errors view, help, zoomed job)"
BOTTOM_HELP = "bottom (the list: the last loaded row; moving on down from it loads the next page)"
LIST = "The list"
FIND = "Filter and sort"
JOB = "The selected job"
MANY = "Many at once"
TREE = "The detail tree"
ERRORS = "The errors view (x)"
RESUBMIT = "The resubmit dialog (R)"
APP = "The monitor"

# The letter keys (list.*) and the arrows, Home/End and PgUp/PgDn (nav.*) are separate
# bindings: remapping ``list.down`` moves j elsewhere and leaves the Down arrow working.
COMMANDS: tuple[Command, ...] = (
    Command("list.down", "j", "down", "Down", "down", MOVE, "move", palette=False),
    Command("nav.down", "down", "down", "Down", "down", MOVE, "move", palette=False),
    Command("list.up", "k", "up", "Up", "up", MOVE, "move", palette=False),
    Command("nav.up", "up", "up", "Up", "up", MOVE, "move", palette=False),
    Command(
        "list.top", "g", "top", "Top", "top (the list: newest)", MOVE, "move", title="Go to top"
    ),
    Command("nav.top", "home", "top", "Top", "top (the list: newest)", MOVE, "move", palette=False),
    Command(
        "list.bottom",
        "G",
        "bottom",
        "Bottom",
        BOTTOM_HELP,
        MOVE,
        "move",
        title="Go to bottom",
    ),
    Command(
        "nav.bottom",
        "end",
        "bottom",
        "Bottom",
        BOTTOM_HELP,
        MOVE,
        "move",
        palette=False,
    ),
    Command(
        "list.page_down",
        "ctrl+f",
        "page_down",
        "Page down",
        "page down",
        MOVE,
        "move",
        palette=False,
    ),
    Command(
        "nav.page_down",
        "pagedown",
        "page_down",
        "Page down",
        "page down",
        MOVE,
        "move",
        palette=False,
    ),
    Command("list.page_up", "ctrl+b", "page_up", "Page up", "page up", MOVE, "move", palette=False),
    Command("nav.page_up", "pageup", "page_up", "Page up", "page up", MOVE, "move", palette=False),
    Command(
        "list.select",
        "enter",
        "select",
        "Details",
        "inspect the job: focus the detail tree",
        LIST,
        "list",
        footer=1,
        palette=False,
    ),
    Command(
        "app.inspect",
        "tab",
        "focus_detail",
        "Inspect",
        "inspect the job: focus the detail tree",
        LIST,
        title="Inspect the job",
    ),
    Command(
        "app.list",
        "escape,shift+tab",
        "focus_list",
        "List",
        "back to the list",
        LIST,
        title="Back to the list",
    ),
    Command(
        "app.load_all",
        "L",
        "load_all",
        "Load all",
        "load the whole history (keys keep working while it loads)",
        LIST,
        title="Load the whole history",
    ),
    Command(
        "app.filter",
        "slash",
        "filter",
        "Filter",
        "filter as you type (enter keeps, esc clears)",
        FIND,
        footer=7,
        title="Filter the list",
    ),
    Command(
        "app.only_queued",
        "1",
        "toggle_status('queued')",
        "Queued",
        "only queued (again: off)",
        FIND,
        title="Only queued",
    ),
    Command(
        "app.only_processing",
        "2",
        "toggle_status('processing')",
        "Processing",
        "only processing (again: off)",
        FIND,
        title="Only processing",
    ),
    Command(
        "app.only_finalizing",
        "3",
        "toggle_status('finalizing')",
        "Finalizing",
        "only finalizing (again: off)",
        FIND,
        title="Only finalizing",
    ),
    Command(
        "app.only_complete",
        "4",
        "toggle_status('complete')",
        "Complete",
        "only complete (again: off)",
        FIND,
        title="Only complete",
    ),
    Command(
        "app.only_error",
        "5",
        "toggle_status('error')",
        "Error",
        "only errors (again: off)",
        FIND,
        title="Only errors",
    ),
    Command(
        "app.clear_filters",
        "0",
        "clear_filters",
        "Clear filters",
        "clear every filter: show every loaded generation",
        FIND,
    ),
    Command("app.type", "t", "cycle_type", "Type filter", "cycle a type filter", FIND),
    Command(
        "app.server_filters",
        "F",
        "server_filters",
        "Server filters",
        "server-side filters: type, dates (2h, yesterday), prompt, thread, ids",
        FIND,
    ),
    Command(
        "app.sort",
        "s",
        "cycle_sort",
        "Sort",
        "cycle the sort (a click on a column title sorts by that column)",
        FIND,
        footer=8,
        title="Cycle the sort",
    ),
    Command("app.reverse_sort", "S", "reverse_sort", "Reverse sort", "reverse the sort", FIND),
    Command(
        "app.columns",
        "C",
        "columns",
        "Columns",
        "choose the list's columns and their order (saved in the config file)",
        FIND,
        title="Choose columns",
    ),
    Command(
        "app.errors",
        "x",
        "errors",
        "Errors",
        "errors view: failures grouped by type and reason",
        FIND,
        footer=9,
        title="Errors view",
    ),
    Command(
        "app.stats",
        "i",
        "stats",
        "Stats",
        "stats: jobs, failures, durations, spending per model and type (the local history)",
        FIND,
        title="Stats view",
    ),
    Command(
        "list.mark",
        "space",
        "toggle_mark",
        "Mark",
        "mark / unmark the job and move down; d, D, c, e, E and w act on the marked jobs "
        "(none marked and a filter on: on the filtered list)",
        MANY,
        "list",
        title="Mark / unmark the job",
    ),
    Command(
        "list.range",
        "v",
        "range_mark",
        "Range mark",
        "range mark: moving marks every row passed; v again or esc ends it",
        MANY,
        "list",
        title="Start / end a range mark",
    ),
    Command(
        "app.clear_marks",
        "V",
        "clear_marks",
        "Clear marks",
        "clear every mark",
        MANY,
        title="Clear every mark",
    ),
    Command(
        "app.cancel_downloads",
        "ctrl+x",
        "cancel_downloads",
        "Cancel downloads",
        "cancel the downloads in progress and waiting",
        MANY,
    ),
    Command(
        "app.watch",
        "w",
        "watch",
        "Watch",
        "watch / unwatch the job, or the marked jobs (toast and bell when they end)",
        JOB,
        title="Watch / unwatch the job",
    ),
    Command(
        "app.resubmit",
        "R",
        "resubmit",
        "Resubmit",
        "resubmit the failed job with the same input: the price first, then it asks",
        JOB,
        title="Resubmit the failed job",
    ),
    Command(
        "app.copy_id",
        "c",
        "copy('id')",
        "Copy id",
        "copy its id, or the marked jobs' ids, one per line (OSC 52)",
        JOB,
    ),
    Command(
        "app.copy_url",
        "u",
        "copy('url')",
        "Copy URL",
        "copy its asset URL (OSC 52)",
        JOB,
        title="Copy asset URL",
    ),
    Command(
        "app.copy_json",
        "J",
        "copy('json')",
        "Copy JSON",
        "copy everything the server sent, as JSON (OSC 52)",
        JOB,
    ),
    Command(
        "app.open",
        "o",
        "open_asset",
        "Open",
        "open the asset URL (copied instead over SSH)",
        JOB,
        title="Open the asset",
    ),
    Command(
        "app.download",
        "d",
        "download(False)",
        "Download",
        "download the asset, or the marked jobs' assets, into the download folder",
        JOB,
        title="Download the asset",
    ),
    Command(
        "app.download_over",
        "D",
        "download(True)",
        "Download (overwrite)",
        "download again, overwriting",
        JOB,
    ),
    Command(
        "app.export_jsonl",
        "e",
        "export('jsonl')",
        "Export",
        "export the listed (or only the marked) generations as JSON lines",
        JOB,
        title="Export JSON lines",
    ),
    Command(
        "app.export_csv",
        "E",
        "export('csv')",
        "Export CSV",
        "export the listed (or only the marked) generations as CSV",
        JOB,
    ),
    Command(
        "app.preview",
        "P",
        "toggle_preview",
        "Pictures",
        "show / hide pictures of image outputs and video thumbnails (off: none are fetched)",
        JOB,
        title="Show / hide pictures",
    ),
    Command(
        "tree.toggle",
        "space",
        "toggle_node",
        "Toggle",
        "expand / collapse a node",
        TREE,
        "tree",
        palette=False,
    ),
    Command(
        "tree.select",
        "enter",
        "select_cursor",
        "Toggle",
        "expand / collapse a node",
        TREE,
        "tree",
        palette=False,
    ),
    Command(
        "tree.copy",
        "y",
        "copy_value",
        "Copy value",
        "copy the value under the cursor (OSC 52; an object or array as JSON)",
        TREE,
        "tree",
        footer=1,
        title="Copy the tree node's value",
    ),
    Command(
        "errors.resubmit",
        "R",
        "resubmit",
        "Resubmit group",
        "resubmit the group's failed jobs (the newest resubmit_max): the total first, then it asks",
        ERRORS,
        "errors",
        footer=1,
        palette=False,
    ),
    Command(
        "resubmit.confirm",
        "y,enter",
        "confirm",
        "Submit",
        "submit, once (pressed again while it is sent, nothing happens)",
        RESUBMIT,
        "resubmit",
        footer=1,
        palette=False,
    ),
    Command(
        "resubmit.cancel",
        "n,escape",
        "cancel",
        "Cancel / close",
        "cancel (nothing is sent), or close once it is done",
        RESUBMIT,
        "resubmit",
        footer=2,
        palette=False,
    ),
    Command(
        "app.refresh",
        "r",
        "refresh",
        "Refresh",
        "refresh now",
        APP,
        footer=3,
        title="Refresh now",
    ),
    Command(
        "app.pause",
        "p",
        "pause",
        "Pause",
        "pause / resume polling",
        APP,
        footer=4,
        title="Pause / resume polling",
    ),
    Command(
        "app.zoom",
        "z",
        "zoom",
        "Zoom",
        "zoom the focused pane to the whole screen (again or esc: back); "
        "the zoomed detail is the whole job: outputs, log and JSON",
        APP,
        footer=5,
        title="Zoom the focused pane",
    ),
    Command(
        "app.inflight",
        "f",
        "toggle_inflight",
        "In flight",
        "show / hide the in-flight panel (hidden at first below 30 rows)",
        APP,
        footer=6,
        title="Show / hide the in-flight panel",
    ),
    Command(
        "app.webhooks",
        "W",
        "webhooks",
        "Webhooks",
        "v3: recent webhook deliveries, failed ones marked; enter redelivers one (asks first)",
        APP,
        title="Webhook deliveries",
    ),
    Command("app.help", "question_mark", "help", "Help", "this help", APP, footer=2),
    Command("app.quit", "q", "quit", "Quit", "quit", APP, footer=1),
)

BY_ID: dict[str, Command] = {command.id: command for command in COMMANDS}


def bindings(scope: Scope, actions: Mapping[str, str] | None = None) -> list[BindingType]:
    """The Bindings of ``scope``; for ``move``, ``actions`` maps MOVES to the widget's own."""
    out: list[BindingType] = []
    # the footer lists bindings in the order given: the footer's first, in their order
    chosen = [command for command in COMMANDS if command.scope == scope]
    for command in sorted(chosen, key=lambda c: c.footer or len(COMMANDS)):
        action = actions[command.action] if actions is not None else command.action
        out.append(
            Binding(command.keys, action, command.label, show=bool(command.footer), id=command.id)
        )
    return out


KEY_NAMES = {
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "home": "Home",
    "end": "End",
    "enter": "enter",
}


def key_label(key: str) -> str:
    """How a key is written in help: ``j``, ``↓``, ``PgDn``, ``?``, ``ctrl+f``."""
    key = key.strip()
    return KEY_NAMES.get(key) or format_key(key)


def keys_in_force(command: Command, keymap: Mapping[str, str]) -> list[str]:
    """The keys that run ``command`` now: the keymap's when it names the id, else the default."""
    keys = keymap.get(command.id) or command.keys
    return [key_label(key) for key in keys.split(",") if key.strip()]


@dataclass(frozen=True)
class HelpRow:
    keys: str
    help: str


def help_sections(keymap: Mapping[str, str]) -> list[tuple[str, list[HelpRow]]]:
    """`?` help: per section, one row per distinct help line, with every key that does it."""
    sections: dict[str, dict[str, list[str]]] = {}
    for command in COMMANDS:
        rows = sections.setdefault(command.section, {})
        keys = rows.setdefault(command.help, [])
        keys.extend(key for key in keys_in_force(command, keymap) if key not in keys)
    return [
        (section, [HelpRow(", ".join(keys), text) for text, keys in rows.items()])
        for section, rows in sections.items()
    ]
