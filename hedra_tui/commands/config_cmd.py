"""``hedra-tui config path|show``: where the config file is; the effective settings and where
each came from (flag, environment, ``.env``, config file, default). The API key is only ever
"set" or "not set": no character of it is shown."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from ..api.sanitize import display
from ..config import (
    DOTENV,
    Origin,
    Settings,
    config_file_warnings,
    config_path,
    flag_for,
    origins,
    remembered,
    settings_warnings,
    state_path,
)
from ..connect import api_version, base_url_for, settings_from_args
from ..state.graphics import detect

FLAG_ARGS = {
    "base_url": "base_url",
    "api_version": "api",
    "allow_insecure": "allow_insecure",
    "graphics": "graphics",
}
FLAG_ARGS |= {"timeout": "timeout", "interval": "interval", "download_dir": "download_dir"}


class UiChecks(Protocol):
    """What only the UI knows (its valid names come from Textual): given by ``cli.py``, so
    this command imports neither ``ui`` nor textual."""

    themes: frozenset[str]
    default_theme: str

    def theme_warning(self, theme: str, origin: Origin) -> str | None: ...

    def keymap_warnings(self, keymap: dict[str, str], origin: Origin) -> list[str]: ...


@dataclass
class Row:
    name: str
    value: Any  # JSON-able
    source: str

    @property
    def shown(self) -> str:
        if self.value is None:
            return "not set" if self.name == "api_key" else "-"
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        if isinstance(self.value, dict):
            return ", ".join(f"{k}={v}" for k, v in self.value.items()) or "-"
        if isinstance(self.value, list):
            return ", ".join(map(str, self.value)) or "-"
        return str(self.value)


def effective(args: argparse.Namespace, ui: UiChecks) -> tuple[list[Row], list[str]]:
    """The settings as the monitor and the commands would use them, and the warnings."""
    warnings = settings_warnings() + config_file_warnings()
    settings = settings_from_args(args)
    flags = {k: flag_for(k) for k, a in FLAG_ARGS.items() if getattr(args, a, None) is not None}
    where = origins(flags)
    key = settings.api_key.get_secret_value() if settings.api_key else None
    api = api_version(settings, key)
    rows: list[Row] = []
    for name in Settings.model_fields:
        origin = where[name]
        source = origin.describe(name)
        value: Any = getattr(settings, name)
        if name == "api_key":
            value = None if key is None else "set"  # never any character of it
        elif name == "api_version":
            value = api
            if origin.kind == "default":
                source = "default (v3 for a <key_id>:<secret> key, else v2)"
        elif name == "base_url":
            value = base_url_for(settings, api)
            if origin.kind == "default":
                source = f"default for {api}"
        elif name == "theme":
            value, source, warning = _theme(settings.theme, origin, ui)
            warnings += warning
        elif name == "download_dir" and value is None:
            value, source = str(Path.cwd()), "default (the working directory)"
        elif name == "graphics" and value == "auto":
            choice = detect(os.environ)  # what this terminal gets (tmux, ssh: see the README)
            value, source = choice.protocol, f"auto: {choice.why}"
        elif name == "keymap" and value:
            warnings += ui.keymap_warnings(value, origin)
        rows.append(Row(name, value, source))
    return rows, warnings


def _theme(theme: str | None, origin: Origin, ui: UiChecks) -> tuple[str, str, list[str]]:
    """The theme the monitor starts with (as ``ui.run`` picks it) and why."""
    warnings: list[str] = []
    if theme:
        bad = ui.theme_warning(theme, origin)
        if bad is None:
            return theme, origin.describe("theme"), []
        warnings.append(bad)  # ignored: the monitor goes on as below
    chosen = remembered("theme")
    if isinstance(chosen, str) and chosen in ui.themes:
        return chosen, f"chosen in the app (state file {state_path()})", warnings
    return ui.default_theme, "default", warnings


def write_table(rows: list[Row], out: TextIO) -> None:
    name_w = max(len("SETTING"), *(len(r.name) for r in rows))
    shown = [display(r.shown, max_len=60) for r in rows]
    value_w = max(len("VALUE"), *(len(s) for s in shown))
    out.write(f"{'SETTING'.ljust(name_w)}  {'VALUE'.ljust(value_w)}  SOURCE\n")
    for row, value in zip(rows, shown, strict=True):
        line = f"{row.name.ljust(name_w)}  {value.ljust(value_w)}  {display(row.source)}"
        out.write(line.rstrip() + "\n")
    path = config_path()
    dotenv = Path(DOTENV).resolve()
    via = " (HEDRA_TUI_CONFIG)" if os.environ.get("HEDRA_TUI_CONFIG") else ""
    out.write(f"\nconfig file: {display(path)}{via}{'' if path.is_file() else ' (none)'}\n")
    out.write(f".env: {display(dotenv)}{'' if dotenv.is_file() else ' (none)'}\n")


def write_json(rows: list[Row], warnings: list[str], out: TextIO) -> None:
    path = config_path()
    payload = {
        "settings": {r.name: {"value": r.value, "source": r.source} for r in rows},
        "config_file": str(path),
        "config_file_exists": path.is_file(),
        "dotenv": str(Path(DOTENV).resolve()),
        "dotenv_exists": Path(DOTENV).is_file(),
        "warnings": warnings,
    }
    # ensure_ascii: a control character in a value cannot reach the terminal
    out.write(json.dumps(payload, ensure_ascii=True, indent=2) + "\n")


def run_config(args: argparse.Namespace, ui: UiChecks) -> int:
    if args.action == "path":
        print(config_path())
        return 0
    rows, warnings = effective(args, ui)
    for warning in warnings:
        print(f"hedra-tui: warning: {display(warning)}", file=sys.stderr)
    if (args.format or ("json" if args.json else "table")) == "json":
        write_json(rows, warnings, sys.stdout)
    else:
        write_table(rows, sys.stdout)
    return 0
