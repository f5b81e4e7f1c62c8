"""Shared fixtures: the simulator (tests/conftest_sim.py) and a client pointed at it."""

from __future__ import annotations

import os
import time

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
os.environ["TZ"] = "UTC"  # local times on screen (last refresh) must not depend on the machine
time.tzset()

pytest_plugins = ["tests.conftest_sim"]
