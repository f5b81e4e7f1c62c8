"""Turn parsed flags into settings and a backend, starting the simulator for --demo.

Shared by the commands and the monitor (neither imports the other): the one place that
picks the API version and builds its :class:`~hedra_tui.api.backend.Backend`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .api.backend import Backend
from .api.errors import ConfigError
from .api.sanitize import display
from .api.v2 import DEFAULT_BASE_URL, V2Client
from .api.v3.detect import looks_like_v3_key
from .config import Settings, config_file_warnings, load_settings, settings_warnings
from .state.filters import FIELDS, FilterError, ServerFilters

if TYPE_CHECKING:
    from .api.starting import WaitForStart
    from .api.v3 import V3Client
    from .simulator.server import SimServer

NO_KEY_HELP = (
    "no API key. Set it with:\n"
    "  export HEDRA_API_KEY=...            (or put HEDRA_API_KEY=... in ./.env,\n"
    '                                       or api_key = "..." in {config})\n'
    "or try the built-in simulator:  hedra-tui --demo"
)
# Hedra's v3 examples export the key as HEDRA_KEY; say so rather than leave a user puzzled
HEDRA_KEY_HINT = (
    '\nHEDRA_KEY is set, but hedra-tui reads HEDRA_API_KEY: export HEDRA_API_KEY="$HEDRA_KEY"'
)


@dataclass
class Connection:
    """Where to talk to and with which settings; ``demo`` holds the in-process simulator."""

    settings: Settings
    base_url: str
    api_key: str
    demo: SimServer | None = None
    api: str = "v2"
    warnings: list[str] = field(default_factory=list)  # printed already; the monitor shows them
    transport: WaitForStart | None = None  # the demo simulator still starting: requests wait
    demo_dir: Path | None = None  # the demo's history lives here, for the run only

    def history_path(self) -> Path | None:
        """The local history's file for this base URL and key; None when it is turned off.
        The demo keeps its history in a temporary folder (its world is new at each start)."""
        if not self.settings.history:
            return None
        from .state.history import history_path

        return history_path(self.base_url, self.api_key, self.demo_dir)

    def client(self) -> Backend:
        """The backend of the chosen API version."""
        cls: type[V2Client] | type[V3Client] = V2Client
        if self.api == "v3":
            from .api.v3 import V3Client

            cls = V3Client
        return cls(
            self.api_key,
            self.base_url,
            timeout=self.settings.timeout,
            allow_insecure=self.settings.allow_insecure,
            transport=self.transport,  # None: the client's own
        )


def settings_from_args(args: argparse.Namespace) -> Settings:
    return load_settings(
        base_url=getattr(args, "base_url", None),
        allow_insecure=getattr(args, "allow_insecure", None),
        timeout=getattr(args, "timeout", None),
        interval=getattr(args, "interval", None),
        low_bandwidth=getattr(args, "low_bandwidth", None),
        graphics=getattr(args, "graphics", None),
        download_dir=getattr(args, "download_dir", None),
        api_version=getattr(args, "api", None),
        history=False if getattr(args, "no_cache", False) else None,
    )


def api_version(settings: Settings, key: str | None) -> str:
    """The flag or setting; else v3 for a ``<key_id>:<secret>`` key; else v2."""
    if settings.api_version:
        return settings.api_version
    return "v3" if key and looks_like_v3_key(key) else "v2"


def base_url_for(settings: Settings, api: str) -> str:
    """The configured base URL, or the default of the chosen API version."""
    if "base_url" in settings.model_fields_set and settings.base_url != DEFAULT_BASE_URL:
        return settings.base_url
    if api == "v3":
        from .api.v3 import DEFAULT_V3_BASE_URL

        return DEFAULT_V3_BASE_URL
    return DEFAULT_BASE_URL


@contextlib.contextmanager
def connect(args: argparse.Namespace, *, demo_in_background: bool = False) -> Iterator[Connection]:
    """Settings plus endpoint; with ``--demo`` a simulator runs for the duration of the block.
    ``demo_in_background``: do not wait for the simulator to start (its world of 100,000
    generations takes seconds); the client's requests wait for it instead."""
    from .config import config_path

    warnings = settings_warnings()
    demo = getattr(args, "demo", False)
    if not demo:
        warnings += config_file_warnings()
    for warning in warnings:
        print(f"hedra-tui: warning: {display(warning)}", file=sys.stderr)
    settings = settings_from_args(args)
    if demo:
        from .simulator.server import SimServer

        sim = SimServer(
            count=args.count,
            inflight=args.inflight,
            seed=args.seed,
            speed=args.speed,
            lazy=demo_in_background,
        )
        transport = None
        if demo_in_background:
            from .api.starting import WaitForStart

            sim.start_in_background()
            transport = WaitForStart(sim.ready, lambda: sim.failure)
        else:
            sim.start()
        try:
            api, url, key = "v2", sim.base_url, sim.api_key
            if settings.api_version == "v3":
                from .simulator.v3 import v3_credential

                api, url, key = "v3", sim.base_url + "/v3", v3_credential(sim.api_key)
            with tempfile.TemporaryDirectory(prefix="hedra-tui-demo-") as tmp:
                yield Connection(
                    settings,
                    url,
                    key,
                    demo=sim,
                    api=api,
                    warnings=warnings,
                    transport=transport,
                    demo_dir=Path(tmp),
                )
        finally:
            sim.stop()
        return
    if settings.api_key is None:
        hint = HEDRA_KEY_HINT if os.environ.get("HEDRA_KEY") else ""
        raise ConfigError(NO_KEY_HELP.format(config=config_path()) + hint)
    key = settings.api_key.get_secret_value()
    api = api_version(settings, key)
    yield Connection(settings, base_url_for(settings, api), key, api=api, warnings=warnings)


def filters_from_args(
    args: argparse.Namespace, defaults: dict[str, str] | None = None
) -> ServerFilters:
    """Server-side filters: the config's defaults, then the flags (times stay as typed)."""
    raw = {k: v for k, v in (defaults or {}).items() if v}
    raw.update({k: getattr(args, k) for k in FIELDS if getattr(args, k, None)})
    try:
        return ServerFilters.parse(raw)
    except FilterError as exc:
        raise ConfigError(f"{exc.field.replace('_', '-')}: {exc}") from None
