"""Start the monitor from parsed flags: settings, demo simulator, client, App.

The settings and the backend come first, and the first page is asked for at once (in a
thread, :class:`HeadStart`) while Textual and the App are imported and built.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..api.sanitize import display
from ..config import Settings, origins, remember, remembered, save_setting
from ..connect import connect, filters_from_args
from ..state.head_start import HeadStart
from ..state.poller import FIRST_PAGE
from ..state.store import utcnow

if TYPE_CHECKING:
    from ..state.history import HistoryDB


def ui_warnings(settings: Settings, available_themes: set[str]) -> list[str]:
    """What only the UI can check: the theme's name and the keymap's binding ids."""
    from .settings_check import keymap_warnings, theme_warning

    where = origins()
    out = keymap_warnings(settings.keymap, where["keymap"])
    bad_theme = theme_warning(settings.theme, where["theme"], available_themes)
    return out + ([bad_theme] if bad_theme else [])


def open_history(path: Path | None) -> tuple[HistoryDB | None, list[str]]:
    """The local history at ``path`` (None: turned off), and what to tell the person: a
    corrupt or foreign file set aside, or a history that cannot be kept at all (the monitor
    then runs without one)."""
    if path is None:
        return None, []
    from ..state.history import HistoryDB, HistoryError

    try:
        opened = HistoryDB.open(path)
    except HistoryError as exc:
        return None, [f"the local history is off for this run: {exc.message}"]
    if opened.set_aside is None:
        return opened.db, []
    return opened.db, [
        f"the local history {path} was {opened.reason}: it was moved to {opened.set_aside} "
        "and a new one was started"
    ]


def collect_again() -> None:
    """After the first frame: garbage collection on again (``cli`` turned it off for the
    start), with what the start made moved out of every later scan (``gc.freeze``)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def run_app(args: argparse.Namespace) -> int:
    if getattr(args, "demo", False):
        # the demo's simulator builds its world in a thread of this process: Textual and the
        # App are imported before it starts, so that the frame is not slowed down by it
        importlib.import_module(".app", __package__)
    # the demo simulator starts in the background: the frame is drawn at once, saying so
    with connect(args, demo_in_background=True) as conn:
        filters = filters_from_args(args, conn.settings.filters)
        head_start = None
        if conn.demo is None:  # (the demo's simulator is still building its world)
            head_start = HeadStart(conn.client, limit=FIRST_PAGE, filters=filters, clock=utcnow)
            head_start.start()
        from textual.theme import BUILTIN_THEMES

        from .app import HedraApp

        # HedraApp registers no theme of its own: Textual's built-ins are the valid names
        themes = set(BUILTIN_THEMES)
        extra = ui_warnings(conn.settings, themes)
        for warning in extra:
            print(f"hedra-tui: warning: {display(warning)}", file=sys.stderr)
        theme = conn.settings.theme if conn.settings.theme in themes else remembered("theme")
        client = conn.client() if head_start is None else head_start.backend()
        history, told = open_history(conn.history_path())
        for warning in told:
            print(f"hedra-tui: warning: {display(warning)}", file=sys.stderr)
        source = ("demo simulator" if conn.demo else conn.base_url) + (
            " (v3)" if conn.api == "v3" else ""
        )
        app = HedraApp(
            client,
            interval=conn.settings.interval,
            stall_after=conn.settings.stall_after,
            credits_every=conn.settings.credits_every,
            source=source,
            filters=filters,
            notify=conn.settings.notify,
            bell=conn.settings.bell,
            notify_command=conn.settings.notify_command,
            notify_timeout=conn.settings.notify_timeout,
            # kept out of notify_command's environment (with --demo, the real key too)
            secrets=(
                conn.api_key,
                *([conn.settings.api_key.get_secret_value()] if conn.settings.api_key else []),
            ),
            theme=theme,
            on_theme=lambda name: remember("theme", name),
            keymap=conn.settings.keymap,
            columns=conn.settings.columns,
            on_columns=lambda cols: str(save_setting("columns", list(cols))),
            export_dir=conn.settings.download_dir,
            download_dir=conn.settings.download_dir,
            download_name=conn.settings.download_name,
            download_concurrency=conn.settings.download_concurrency,
            download_retries=conn.settings.download_retries,
            max_streams=conn.settings.max_streams,
            rate_share=conn.settings.rate_share,
            rate_cap=conn.settings.rate_cap,
            low_bandwidth=conn.settings.low_bandwidth,
            raw_output=conn.settings.raw_output,
            resubmit_max=conn.settings.resubmit_max,
            preview=conn.settings.preview,
            graphics=conn.settings.graphics,
            preview_max_bytes=int(conn.settings.preview_max_mb * 1_000_000),
            warnings=[*conn.warnings, *extra, *told],
            history=history,
            loading=(
                f"starting the demo simulator ({args.count:,} generations)…"
                if conn.demo
                else "loading…"
            ),
            head_start=head_start,
            after_first_frame=collect_again,
        )
        os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
        try:
            result = app.run()
        finally:
            if history is not None:
                history.close()
    return 0 if result is None else int(result)
