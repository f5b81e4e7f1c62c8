"""Whether a browser can show a URL for the person at this terminal (else: copy the URL)."""

from __future__ import annotations

import os
import sys
import webbrowser
from collections.abc import Mapping


def why_no_browser(
    env: Mapping[str, str] | None = None, platform: str = sys.platform
) -> str | None:
    """None when ``open_url`` can show a page to this terminal's user, else why it cannot.

    Over SSH a browser would open on the remote host; on Linux without a display the only
    browsers are console ones, which would take over this very terminal.
    """
    env = os.environ if env is None else env
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY"):
        return "over SSH a browser would open on the remote host"
    if platform == "darwin" or platform.startswith("win"):
        return None
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        return "no display here to open a browser on"
    try:
        webbrowser.get()
    except webbrowser.Error:
        return "no browser is installed here"
    return None
