"""Download an asset to a file: streamed, with progress, written to a temporary file and
renamed only when complete, so an interrupted download never leaves a half file under the
final name. The API key is never sent with a download (asset URLs live on other hosts)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx

from .core import ssl_context
from .errors import APIConnectionError, APIStatusError, APITimeoutError
from .sanitize import display


async def download(
    url: str,
    dest: Path,
    *,
    on_progress: Callable[[int, int | None], None] | None = None,
    timeout: float = 30.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Fetch ``url`` into ``dest``; returns the number of bytes written.

    ``on_progress(received, total)`` counts bytes as they come over the wire, against the
    Content-Length (None without one). A server may send the asset compressed
    (Content-Encoding: gzip): the file holds the decoded bytes, more than Content-Length
    counts, so completeness and progress are measured on the wire, not in the file.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    written = 0
    try:
        async with (
            httpx.AsyncClient(
                timeout=httpx.Timeout(timeout),
                transport=transport,
                follow_redirects=True,
                verify=ssl_context(),
            ) as http,
            http.stream("GET", url) as response,
        ):
            if not response.is_success:
                raise APIStatusError(
                    f"download failed ({response.status_code})",
                    status_code=response.status_code,
                )
            total = int(response.headers.get("content-length") or 0) or None
            reported = -1
            with os.fdopen(fd, "wb") as out:
                fd = -1
                # as the bytes arrive (a fixed chunk size would hold back the progress of
                # a file smaller than one chunk until its end)
                async for chunk in response.aiter_bytes():
                    out.write(chunk)
                    written += len(chunk)
                    if on_progress is not None:
                        reported = response.num_bytes_downloaded
                        on_progress(reported, total)
            received = response.num_bytes_downloaded
            if on_progress is not None and received != reported:
                on_progress(received, total)  # the last encoded bytes may decode to nothing
            if total is not None and received != total:
                raise APIConnectionError(f"download cut short ({received} of {total} bytes)")
        os.replace(tmp, dest)
        return written
    except httpx.TimeoutException as exc:
        raise APITimeoutError("the download timed out") from exc
    except httpx.HTTPError as exc:
        reason = display(str(exc), max_len=120) or type(exc).__name__
        raise APIConnectionError(f"download interrupted ({reason})") from exc
    finally:
        if fd != -1:
            os.close(fd)
        tmp.unlink(missing_ok=True)
