"""The picture in the detail pane: half-block cells (``▀``, upper pixel as its color, lower
pixel as its background), or one line saying why there is none. It draws once per picture:
no animation, no timer, so an idle picture writes nothing to the terminal."""

from __future__ import annotations

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from ...state.preview import RGB, HalfBlocks

UPPER_HALF = "▀"


def picture_strips(blocks: HalfBlocks) -> list[Strip]:
    """One strip per row of cells; a run of equal cells is one segment (fewer style codes)."""
    strips: list[Strip] = []
    styles: dict[tuple[RGB, RGB], Style] = {}
    for row in blocks.rows:
        segments: list[Segment] = []
        run: tuple[RGB, RGB] | None = None
        count = 0
        for cell in row:
            if cell == run:
                count += 1
                continue
            if run is not None:
                segments.append(Segment(UPPER_HALF * count, styles[run]))
            run, count = cell, 1
            if cell not in styles:
                upper, lower = cell
                styles[cell] = Style(color=Color.from_rgb(*upper), bgcolor=Color.from_rgb(*lower))
        if run is not None:
            segments.append(Segment(UPPER_HALF * count, styles[run]))
        strips.append(Strip(segments, blocks.width))
    return strips


class Picture(Widget):
    """A caption line and the picture under it; hidden when there is nothing to say."""

    # a picture stands at the pane's right, beside the text and the tree; a line saying why
    # there is none takes a line in the flow instead
    DEFAULT_CSS = """
    Picture { height: auto; width: 1fr; padding: 0 1; display: none; }
    Picture.-image { dock: right; width: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown: object = None  # what is on screen: a key the owner chooses
        self.blocks: HalfBlocks | None = None
        self._caption = Text()
        self._strips: list[Strip] = []

    def show_message(self, message: str, *, key: object = None) -> None:
        """One dim line (``message`` is already safe text)."""
        self._set(Text(message, style="dim", no_wrap=True, overflow="ellipsis"), None, key)

    def show_blocks(self, blocks: HalfBlocks, caption: str, *, key: object = None) -> None:
        self._set(Text(caption, style="dim", no_wrap=True, overflow="ellipsis"), blocks, key)

    def clear(self) -> None:
        self.shown = None
        self.blocks = None
        self._strips = []
        if self.display:
            self.display = False

    def _set(self, caption: Text, blocks: HalfBlocks | None, key: object) -> None:
        if key is not None and key == self.shown and self.display:
            return  # the same picture: nothing to draw again
        self.shown = key
        self.blocks = blocks
        self._caption = caption
        self._strips = picture_strips(blocks) if blocks is not None else []
        self.set_class(blocks is not None, "-image")
        self.display = True
        self.refresh(layout=True)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        if self.blocks is None:
            return container.width
        return max(self.blocks.width, min(self._caption.cell_len, 2 * self.blocks.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 + len(self._strips)

    def render_line(self, y: int) -> Strip:
        width = self.size.width  # the content area: the padding is drawn around it
        if y == 0:
            lines = self._caption.wrap(self.app.console, max(width, 1), no_wrap=True)
            segments = list(lines[0].render(self.app.console)) if lines else []
            base = self.rich_style  # the pane's colors under the caption's own
            return Strip(segments).apply_style(base).crop_extend(0, width, base)
        if 0 < y <= len(self._strips):
            return self._strips[y - 1].crop_extend(0, width, self.rich_style)
        return Strip.blank(width, self.rich_style)
