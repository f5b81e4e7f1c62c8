"""The default command: open the monitor (the Textual app)."""

from __future__ import annotations

import argparse


def run_monitor(args: argparse.Namespace) -> int:
    from ..ui.run import run_app

    return run_app(args)
