"""Shared fixtures: the simulator (tests/conftest_sim.py) and a client pointed at it."""

from __future__ import annotations

import os

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
os.environ["TZ"] = "UTC"

pytest_plugins = ["tests.conftest_sim"]
