"""The picture in the detail pane: half-block cells (``▀``, upper pixel as its color, lower
pixel as its background), the terminal's own graphics (Kitty: placeholder cells naming the
image; iTerm2, Sixel: blank cells the picture is painted over, see ``ui/graphics_overlay``),
or one line saying why there is none. It draws once per picture: no animation, no timer, so
an idle picture writes nothing to the terminal."""

from __future__ import annotations

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.errors import NoWidget
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from ...state.graphics import Graphic, kitty_cells
from ...state.preview import RGB, HalfBlocks
from ..graphics_overlay import Target

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


def kitty_strips(graphic: Graphic, color: Color) -> list[Strip]:
    """A Kitty picture: each row its placeholder cells, in the color that names the image."""
    style = Style(color=color)
    return [
        Strip([Segment(kitty_cells(r, graphic.cols), style)], graphic.cols)
        for r in range(graphic.rows)
    ]


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
        self.blocks: HalfBlocks | Graphic | None = None
        self._caption = Text()
        self._strips: list[Strip] = []
        self._kitty_color: Color | None = None
        self._blank_rows = 0  # rows of blank cells a picture is painted over

    def show_message(self, message: str, *, key: object = None) -> None:
        """One dim line (``message`` is already safe text)."""
        self._set(Text(message, style="dim", no_wrap=True, overflow="ellipsis"), None, key)

    def show_blocks(self, blocks: HalfBlocks, caption: str, *, key: object = None) -> None:
        self._set(Text(caption, style="dim", no_wrap=True, overflow="ellipsis"), blocks, key)

    def show_graphic(
        self, graphic: Graphic, caption: str, *, key: object = None, color: Color | None = None
    ) -> None:
        """A picture in the terminal's protocol; ``color``: a Kitty image's id as a color."""
        self._kitty_color = color
        self._set(Text(caption, style="dim", no_wrap=True, overflow="ellipsis"), graphic, key)

    def overlay_target(self) -> Target | None:
        """Where an iTerm2/Sixel picture is to be painted now, or None (no such picture, not
        laid out, not on screen)."""
        graphic = self.blocks
        if not isinstance(graphic, Graphic) or not isinstance(graphic.payload, str):
            return None
        if not self.display or not self.is_mounted:
            return None
        screen = self.screen
        try:
            geometry = screen.find_widget(self)
        except NoWidget:
            return None
        content = self.content_region
        top, left = content.y + 1, content.x  # under the caption
        area = Region(left, top, graphic.cols, graphic.rows)
        rect = (top, left, top + graphic.rows, left + graphic.cols)
        visible = self.app.screen is screen and geometry.clip.contains_region(area)
        if visible:  # nothing over it (a toast, a menu): its corners and middle are ours
            points = (
                (left, top),
                (area.right - 1, top),
                (left, area.bottom - 1),
                (area.right - 1, area.bottom - 1),
                (left + graphic.cols // 2, top + graphic.rows // 2),
            )
            for x, y in points:
                try:
                    widget, _ = screen.get_widget_at(x, y)
                except NoWidget:
                    widget = None
                if widget is not self:
                    visible = False
                    break
        return Target(rect, self.shown, graphic.payload, visible)

    def clear(self) -> None:
        self.shown = None
        self.blocks = None
        self._strips = []
        self._blank_rows = 0
        if self.display:
            self.display = False

    def _set(self, caption: Text, blocks: HalfBlocks | Graphic | None, key: object) -> None:
        if key is not None and key == self.shown and self.display:
            return  # the same picture: nothing to draw again
        self.shown = key
        self.blocks = blocks
        self._caption = caption
        self._blank_rows = 0
        if isinstance(blocks, Graphic):
            if blocks.protocol == "kitty" and self._kitty_color is not None:
                self._strips = kitty_strips(blocks, self._kitty_color)
            else:  # painted over these blank cells after the frame
                self._strips = []
                self._blank_rows = blocks.rows
        else:
            self._strips = picture_strips(blocks) if blocks is not None else []
        self.set_class(blocks is not None, "-image")
        self.display = True
        self.refresh(layout=True)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        if self.blocks is None:
            return container.width
        return max(self.blocks.width, min(self._caption.cell_len, 2 * self.blocks.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 + len(self._strips) + self._blank_rows

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
