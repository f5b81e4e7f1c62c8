"""Where the API key may be sent: https anywhere, plain http only to this machine."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .errors import ConfigError


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_key_transport(base_url: str, *, allow_insecure: bool = False) -> None:
    """Raise :class:`ConfigError` unless the key would travel encrypted or stay on this host."""
    parts = urlsplit(base_url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"the base URL must be an http(s) URL with a host, got {base_url!r}")
    if scheme == "http" and not allow_insecure and not is_loopback_host(parts.hostname):
        raise ConfigError(
            f"refusing to send the API key over plain http to {parts.hostname}: "
            "use an https:// base URL, or pass --allow-insecure if you really mean it"
        )
