"""hedra-tui: a terminal monitor for Hedra generations."""

import sys as _sys

__version__ = "0.1.0"

# httpx imports its optional command-line tool (click, pygments: ~0.2 s of start-up) whenever
# click is installed, and uvicorn installs it; hedra-tui never uses that tool. A ``None`` entry
# makes that import fail the way httpx expects when the tool is absent.
if "httpx" not in _sys.modules:
    # typeshed lets sys.modules hold modules only; None is the import system's "blocked" entry
    _sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
