"""Start the monitor from parsed flags: settings, demo simulator, client, App."""

from __future__ import annotations

import argparse
import os

from ..commands.connect import connect
from ..commands.list_cmd import filters_from_args
from ..config import remember, remembered, save_setting


def run_app(args: argparse.Namespace) -> int:
    from .app import HedraApp

    with connect(args) as conn:
        filters = filters_from_args(args, conn.settings.filters)
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
            theme=conn.settings.theme or remembered("theme"),
            on_theme=lambda name: remember("theme", name),
            keymap=conn.settings.keymap,
            columns=conn.settings.columns,
            on_columns=lambda cols: str(save_setting("columns", list(cols))),
            export_dir=conn.settings.download_dir,
            max_streams=conn.settings.max_streams,
        )
        os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
        result = app.run()
    return 0 if result is None else int(result)
