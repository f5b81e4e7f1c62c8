"""Start the monitor from parsed flags: settings, demo simulator, client, App."""

from __future__ import annotations

import argparse
import os
import sys

from ..api.sanitize import display
from ..config import Settings, origins, remember, remembered, save_setting
from ..connect import connect, filters_from_args


def ui_warnings(settings: Settings, available_themes: set[str]) -> list[str]:
    """What only the UI can check: the theme's name and the keymap's binding ids."""
    from .settings_check import keymap_warnings, theme_warning

    where = origins()
    out = keymap_warnings(settings.keymap, where["keymap"])
    bad_theme = theme_warning(settings.theme, where["theme"], available_themes)
    return out + ([bad_theme] if bad_theme else [])


def run_app(args: argparse.Namespace) -> int:
    from textual.theme import BUILTIN_THEMES

    from .app import HedraApp

    # the demo simulator starts in the background: the frame is drawn at once, saying so
    with connect(args, demo_in_background=True) as conn:
        filters = filters_from_args(args, conn.settings.filters)
        # HedraApp registers no theme of its own: Textual's built-ins are the valid names
        themes = set(BUILTIN_THEMES)
        extra = ui_warnings(conn.settings, themes)
        for warning in extra:
            print(f"hedra-tui: warning: {display(warning)}", file=sys.stderr)
        theme = conn.settings.theme if conn.settings.theme in themes else remembered("theme")
        client = conn.client()
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
            theme=theme,
            on_theme=lambda name: remember("theme", name),
            keymap=conn.settings.keymap,
            columns=conn.settings.columns,
            on_columns=lambda cols: str(save_setting("columns", list(cols))),
            export_dir=conn.settings.download_dir,
            max_streams=conn.settings.max_streams,
            preview=conn.settings.preview,
            preview_max_bytes=int(conn.settings.preview_max_mb * 1_000_000),
            warnings=[*conn.warnings, *extra],
            loading=(
                f"starting the demo simulator ({args.count:,} generations)…"
                if conn.demo
                else "loading…"
            ),
        )
        os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
        result = app.run()
    return 0 if result is None else int(result)
