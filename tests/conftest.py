"""Shared fixtures: the simulator (tests/conftest_sim.py) and a client pointed at it."""

from __future__ import annotations

import os
import tempfile
import time

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
os.environ["TZ"] = "UTC"  # local times on screen (last refresh) must not depend on the machine
time.tzset()

# the local history of every monitor a test starts (in process or as a real process) goes to
# a folder of this run, never to the user's data directory
os.environ["HEDRA_TUI_DATA"] = tempfile.mkdtemp(prefix="hedra-tui-test-data-")

pytest_plugins = ["tests.conftest_sim"]
