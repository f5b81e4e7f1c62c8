"""Turn parsed flags into settings and a connected client, starting the simulator for --demo."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from ..api.client import HedraClient
from ..api.errors import ConfigError
from ..config import Settings, config_file_warnings, load_settings

NO_KEY_HELP = (
    "no API key. Set it with:\n"
    "  export HEDRA_API_KEY=...            (or put HEDRA_API_KEY=... in ./.env,\n"
    '                                       or api_key = "..." in {config})\n'
    "or try the built-in simulator:  hedra-tui --demo"
)


@dataclass
class Connection:
    """Where to talk to and with which settings; ``demo`` holds the in-process simulator."""

    settings: Settings
    base_url: str
    api_key: str
    demo: object | None = None

    def client(self, **kwargs: object) -> HedraClient:
        return HedraClient(
            self.api_key,
            self.base_url,
            timeout=self.settings.timeout,
            allow_insecure=self.settings.allow_insecure,
            **kwargs,  # type: ignore[arg-type]
        )


def settings_from_args(args: argparse.Namespace) -> Settings:
    return load_settings(
        base_url=getattr(args, "base_url", None),
        allow_insecure=getattr(args, "allow_insecure", None),
        timeout=getattr(args, "timeout", None),
        interval=getattr(args, "interval", None),
    )


@contextlib.contextmanager
def connect(args: argparse.Namespace) -> Iterator[Connection]:
    """Settings plus endpoint; with ``--demo`` a simulator runs for the duration of the block."""
    from ..config import config_path

    settings = settings_from_args(args)
    if getattr(args, "demo", False):
        from ..simulator.server import SimServer

        sim = SimServer(count=args.count, inflight=args.inflight, seed=args.seed, speed=args.speed)
        sim.start()
        try:
            yield Connection(settings, sim.base_url, sim.api_key, demo=sim)
        finally:
            sim.stop()
        return
    for warning in config_file_warnings():
        print(f"hedra-tui: warning: {warning}", file=sys.stderr)
    if settings.api_key is None:
        raise ConfigError(NO_KEY_HELP.format(config=config_path()))
    yield Connection(settings, settings.base_url, settings.api_key.get_secret_value())
