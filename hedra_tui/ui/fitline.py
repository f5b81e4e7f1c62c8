"""Lines that fit their width by priority: pieces shorten in stages, whole pieces drop last.

A line is a list of pieces, each with forms from longest to shortest (an empty form means
the piece is gone) and the stages at which it moves to its next form. The fitter raises one
global stage until the line fits, so every width shows a designed line; if even the last
stage is too wide, whole pieces drop in order of ``keep`` (lowest first). A piece that only
informs can give way instead (``yields_from``): from that stage on it is shown where it fits
and left out where it does not, so it never makes the others shorten. Nothing is ever cut
inside a word or a number, and pieces are always separated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text


@dataclass(frozen=True)
class Piece:
    """One fact on a line.

    ``forms`` go from longest to shortest; ``stages[i]`` is the stage from which
    ``forms[i + 1]`` is used. ``keep`` orders what drops when nothing else helps.
    """

    forms: tuple[Text, ...]
    stages: tuple[int, ...] = ()
    keep: int = 0
    right: bool = False  # right-aligned group (e.g. the balance)
    yields_from: int | None = None

    def at(self, stage: int) -> Text:
        index = sum(1 for s in self.stages if stage >= s)
        return self.forms[min(index, len(self.forms) - 1)]


def _join(texts: Sequence[Text], sep: str) -> Text:
    out = Text()
    for text in texts:
        if not text.plain:
            continue
        if out.plain:
            out.append(sep)
        out.append_text(text)
    return out


def _compose(pieces: Sequence[Piece], stage: int, width: int, sep: str) -> Text | None:
    left = _join([p.at(stage) for p in pieces if not p.right], sep)
    right = _join([p.at(stage) for p in pieces if p.right], sep)
    used = cell_len(left.plain) + cell_len(right.plain)
    # the right-aligned group never sits a single space from the rest
    gap = max(len(sep), 2) if left.plain and right.plain else 0
    if used + gap > width:
        return None
    line = Text(no_wrap=True, overflow="crop")
    line.append_text(left)
    if right.plain:
        line.append(" " * (width - used))
        line.append_text(right)
    return line


def last_stage(pieces: Sequence[Piece]) -> int:
    return max((s for p in pieces for s in p.stages), default=0)


def fit_line(
    pieces: Sequence[Piece], width: int, *, sep: str = "  ", tight_from: int | None = None
) -> Text:
    """The longest forms of ``pieces`` that fit ``width`` cells (see the module docstring).

    From stage ``tight_from`` on, pieces are separated by one space instead of ``sep``.
    """
    if width <= 0:
        return Text()
    final = last_stage(pieces)
    for stage in range(final + 1):
        gap = " " if tight_from is not None and stage >= tight_from else sep
        line = _compose(pieces, stage, width, gap)
        if line is not None:
            return line
        firm = [p for p in pieces if p.yields_from is None or stage < p.yields_from]
        if len(firm) < len(pieces):
            line = _compose(firm, stage, width, gap)
            if line is not None:
                return line
    # still too wide: drop whole pieces, least important first
    gap = " " if tight_from is not None else sep
    kept = list(pieces)
    for piece in sorted(pieces, key=lambda p: p.keep):
        kept.remove(piece)
        line = _compose(kept, final, width, gap)
        if line is not None:
            return line
    return Text()
