"""Turn untrusted API strings into text that is safe to put on a terminal.

Every string the API sends goes through :func:`display` once, at the model/state
boundary; the raw value is kept separately for copy and export.
"""

from __future__ import annotations

import re

# Visible stand-ins, so a reader sees that something was there.
_ESC_PLACEHOLDER = "␛"
_DEL_PLACEHOLDER = "␡"
_HIDDEN_PLACEHOLDER = "\ufffd"

# Characters that reorder or hide text: bidi embeddings/overrides/isolates and marks,
# zero-width characters, invisible operators, interlinear annotations, BOM.
_HIDDEN = [
    *range(0x202A, 0x202F),  # LRE RLE PDF LRO RLO
    *range(0x2066, 0x206A),  # LRI RLI FSI PDI
    0x200E,
    0x200F,
    0x061C,  # LRM RLM ALM
    *range(0x200B, 0x200E),  # ZWSP ZWNJ ZWJ
    *range(0x2060, 0x2065),  # word joiner, invisible operators
    0xFEFF,
    *range(0xFFF9, 0xFFFC),
    0x180E,
    0x115F,
    0x1160,
    0x3164,
    0xFFA0,  # Hangul fillers render as blank
    *range(0xE0000, 0xE0080),  # tag characters (can smuggle hidden text)
    *range(0xD800, 0xE000),  # lone surrogates (JSON "\ud800"): not encodable for the terminal
]


def _build_table(multiline: bool) -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x20):
        table[code] = chr(0x2400 + code)  # control pictures: NUL -> ␀, BEL -> ␇
    table[0x1B] = _ESC_PLACEHOLDER
    table[0x7F] = _DEL_PLACEHOLDER
    for code in range(0x80, 0xA0):  # C1 controls, CSI (0x9b) and OSC (0x9d) among them
        table[code] = _HIDDEN_PLACEHOLDER
    for code in _HIDDEN:
        table[code] = _HIDDEN_PLACEHOLDER
    # Whitespace that would break a one-line cell is folded to a space.
    for code in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029):
        table[code] = " "
    if multiline:
        table[0x0A] = "\n"
    return table


_ONE_LINE = _build_table(multiline=False)
_MULTI_LINE = _build_table(multiline=True)
_NEEDS_WORK = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2069\u3164\ud800-\udfff\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f]"
)


def display(value: object, *, multiline: bool = False, max_len: int | None = None) -> str:
    """Return ``value`` as safe display text.

    Control characters (C0, C1, DEL, so every ESC/CSI/OSC/DCS sequence) become
    visible placeholders, bidi and zero-width characters become U+FFFD, and each line
    break and tab folds to a space unless ``multiline`` is set. ``max_len``
    cuts very long values (with an ellipsis) before any further work is done on them.
    """
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if max_len is not None and len(text) > max_len:
        text = text[: max(max_len - 1, 0)] + "…"
    if _NEEDS_WORK.search(text) is None:
        return text
    return text.translate(_MULTI_LINE if multiline else _ONE_LINE)


def is_safe(text: str) -> bool:
    """True when ``text`` has nothing :func:`display` would replace (except plain newlines)."""
    return _NEEDS_WORK.search(text.replace("\n", "")) is None


_LINKABLE = re.compile(r"^https?://[\x21-\x7e]+$")


def safe_link(url: object) -> str | None:
    """``url`` when it can be a terminal hyperlink target (OSC 8): http(s) and printable
    ASCII only, so nothing in it can end the escape sequence early. None otherwise."""
    if isinstance(url, str) and len(url) <= 2048 and _LINKABLE.match(url):
        return url
    return None
