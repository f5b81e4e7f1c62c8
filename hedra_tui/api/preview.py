"""Fetch an output's picture for the detail pane: http(s) only, image content types only,
never more than ``max_bytes`` read. Like a download, it carries no API key (asset URLs
live on other hosts), and every failure is a :class:`HedraError` with a one-line message."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from .core import ssl_context
from .errors import APIConnectionError, APIStatusError, APITimeoutError, PayloadError
from .sanitize import display

CHUNK = 64 * 1024
MAX_REDIRECTS = 5


class NotAnImage(PayloadError):
    """The URL answered with something that says it is not an image."""


class TooLarge(PayloadError):
    """The image is larger than the preview's size cap: reading stopped there."""


@dataclass(frozen=True)
class Fetched:
    url: str
    content_type: str
    data: bytes


def is_fetchable(url: str | None) -> bool:
    """Only http(s) URLs with a host are ever fetched (no file:, data:, javascript: ...)."""
    if not url:
        return False
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _megabytes(n: int) -> str:
    if n < 1000:
        return f"{n} bytes"
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.0f} KB"


async def fetch_image(
    url: str,
    *,
    max_bytes: int,
    timeout: float = 20.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Fetched:
    """The bytes of the image at ``url``.

    Refused before any byte of the body is read: a non-http(s) URL, a status that is not a
    success, a Content-Type that is not ``image/*``, a Content-Length over ``max_bytes``.
    Without a Content-Length, reading stops as soon as the body passes ``max_bytes``.
    """
    if not is_fetchable(url):
        raise NotAnImage("not an http(s) URL: not fetched")
    try:
        async with (
            httpx.AsyncClient(
                timeout=httpx.Timeout(timeout),
                transport=transport,
                follow_redirects=True,  # httpx follows http(s) redirects only
                max_redirects=MAX_REDIRECTS,
                verify=ssl_context(),  # the process's one TLS context, not a new one each time
            ) as http,
            http.stream("GET", url) as response,
        ):
            if not response.is_success:
                raise APIStatusError(
                    f"the picture's URL answered {response.status_code}",
                    status_code=response.status_code,
                )
            kind = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if not kind.startswith("image/"):
                raise NotAnImage(f"not an image ({display(kind, max_len=40) or 'no type'})")
            length = int(response.headers.get("content-length") or 0)
            cap = f"the preview's cap of {_megabytes(max_bytes)}"
            if length > max_bytes:
                raise TooLarge(f"picture not loaded: {_megabytes(length)} is over {cap}")
            body = bytearray()
            async for chunk in response.aiter_bytes(CHUNK):
                body += chunk
                if len(body) > max_bytes:
                    raise TooLarge(f"picture not loaded: over {cap} (stopped reading)")
            return Fetched(str(response.url), kind, bytes(body))
    except httpx.TimeoutException as exc:
        raise APITimeoutError("the picture timed out") from exc
    except httpx.HTTPError as exc:
        reason = display(str(exc), max_len=120) or type(exc).__name__
        raise APIConnectionError(f"picture not loaded ({reason})") from exc
