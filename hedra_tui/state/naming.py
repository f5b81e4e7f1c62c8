"""File names for downloaded assets: a user's template filled with a job's facts, made safe.

The template is a Python format string over a fixed set of fields (``{created:%Y%m%d-%H%M}``,
``{prompt:.40}``, ...). Every value comes from the API and is untrusted: the name that comes
out has no path separator, no control or invisible character, no leading dot or dash, is no
reserved device name, and fits in ``NAME_MAX_BYTES`` of UTF-8 (other scripts and emoji stay).
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

DEFAULT_TEMPLATE = "{created:%Y%m%d-%H%M}_{model}_{prompt:.40}_{id:.8}.{ext}"
FIELDS = ("created", "model", "prompt", "id", "ext", "type", "status")
# room under the usual 255-byte limit for the temporary name a download is written under
# (".<name>.<random>.part")
NAME_MAX_BYTES = 200
EXTENSIONS = {"video": "mp4", "image": "png", "audio": "mp3", "voice": "mp3"}

# Windows device names: a file called "CON.mp4" cannot be opened there
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{i}" for i in range(10)}
    | {f"LPT{i}" for i in range(10)}
)
# separators of any system, and what Windows refuses in a name
_FORBIDDEN = set('/\\:*?"<>|')
_SPACES = re.compile(r"\s+")
_REPEATS = re.compile(r"([_\-.])\1+")


class TemplateError(ValueError):
    """The template names an unknown field or has a bad format spec."""


@dataclass(frozen=True)
class NameFacts:
    """What a name can be made of; raw values as the API sent them."""

    id: str
    created: datetime | None
    model: str
    prompt: str
    type: str
    status: str
    url: str


class _Missing:
    """A created time the API did not give: any date format prints ``unknown``."""

    def __format__(self, spec: str) -> str:
        return "unknown"


def extension(url: str, kind: str) -> str:
    """The asset's extension from its URL's path (``clip.MP4?sig`` -> ``mp4``), else the type's."""
    suffix = PurePosixPath(url.split("?", 1)[0].split("#", 1)[0]).suffix.lower()[1:]
    if 1 <= len(suffix) <= 5 and suffix.isascii() and suffix.isalnum():
        return suffix
    return EXTENSIONS.get(kind, "bin")


def _values(facts: NameFacts) -> dict[str, Any]:
    created = facts.created.astimezone(UTC) if facts.created is not None else _Missing()
    return {
        "created": created,
        "model": facts.model,
        "prompt": facts.prompt,
        "id": facts.id,
        "ext": extension(facts.url, facts.type),
        "type": facts.type,
        "status": facts.status,
    }


def check_template(template: str) -> str:
    """``template`` when it only names known fields and formats a sample; else TemplateError."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(f"bad template {template!r}: {exc}") from None
    for _text, field, _spec, _conv in parsed:
        if field is None:
            continue
        if field not in FIELDS:
            raise TemplateError(
                f"unknown field {{{field}}} in the template; known: "
                + ", ".join(f"{{{f}}}" for f in FIELDS)
            )
    sample = NameFacts("id", datetime(2026, 1, 1, tzinfo=UTC), "m", "p", "video", "complete", "")
    try:
        template.format_map(_values(sample))
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise TemplateError(f"bad template {template!r}: {exc}") from None
    return template


def _clean(text: str) -> str:
    """One value made safe for a file name (before the whole name is checked)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        cat = unicodedata.category(ch)
        if ch in _FORBIDDEN:
            out.append("_")
        elif ch.isspace():
            out.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn") and ch != "\u200d":
            # controls (ESC and its sequences' introducers), format characters (bidi
            # overrides, zero-width), surrogates, private use, unassigned: dropped.
            # The zero-width joiner stays: it holds emoji sequences together.
            continue
        else:
            out.append(ch)
    return _SPACES.sub("-", "".join(out).strip())


def _cap(name: str, ext: str, limit: int) -> str:
    """Cut the stem so that ``stem.ext`` fits ``limit`` bytes, at a character boundary."""
    tail = f".{ext}" if ext and name.endswith(f".{ext}") else ""
    stem = name[: len(name) - len(tail)]
    room = limit - len(tail.encode())
    if len(stem.encode()) > room:
        stem = stem.encode()[:room].decode("utf-8", "ignore")
        # a cut joiner would leave a dangling half of an emoji sequence
        stem = stem.rstrip("\u200d").rstrip(" _-.")
    return stem + tail


def file_name(template: str, facts: NameFacts, *, limit: int = NAME_MAX_BYTES) -> str:
    """The template filled with ``facts``, as one safe file name (never a path)."""
    values = _values(facts)
    cleaned = {
        k: _clean(v) if isinstance(v, str) else v for k, v in values.items() if k != "created"
    }
    cleaned["created"] = values["created"]
    try:
        name = template.format_map(cleaned)
    except (ValueError, TypeError, KeyError, IndexError):
        name = check_template(DEFAULT_TEMPLATE).format_map(cleaned)
    # the template's own text is the user's, but it cannot make a path either
    name = _REPEATS.sub(r"\1", _clean(name))
    ext = cleaned["ext"]
    tail = f".{ext}" if ext and name.endswith(f".{ext}") else ""
    stem = name[: len(name) - len(tail)].lstrip(" .-_").rstrip(" .-_")
    if not stem:
        stem = _clean(facts.id).strip(" .-_") or "asset"
        tail = tail or (f".{ext}" if ext else "")
    if stem.split(".", 1)[0].upper() in _RESERVED:
        stem = "_" + stem
    name = stem + tail
    return _cap(name, ext, limit)
