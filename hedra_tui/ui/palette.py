"""One palette: status and error group -> icon, word and style, built from the theme.

Meaning never rests on color alone: every status and error group has an icon and a
word. Styles come from the active Textual theme's variables, so every theme works;
``NO_COLOR`` is honoured by Textual itself (it strips color on output).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from textual.color import Color

from ..api.models import GenerationStatus
from ..state.derive import ErrorGroup

STATUS_ICONS: dict[str, str] = {
    GenerationStatus.QUEUED: "◷",
    GenerationStatus.PROCESSING: "▶",
    GenerationStatus.FINALIZING: "◉",
    GenerationStatus.COMPLETE: "✓",
    GenerationStatus.ERROR: "✗",
}
UNKNOWN_STATUS_ICON = "?"

GROUP_ICONS: dict[ErrorGroup, str] = {
    ErrorGroup.FIX_INPUT: "✎",
    ErrorGroup.CONTENT: "⚑",
    ErrorGroup.MONEY: "$",
    ErrorGroup.ACCESS: "⊘",
    ErrorGroup.TRANSIENT: "↻",
    ErrorGroup.UNKNOWN: "?",
}

# theme variable per status / group
_STATUS_VARS: dict[str, str] = {
    GenerationStatus.QUEUED: "text-secondary",
    GenerationStatus.PROCESSING: "text-primary",
    GenerationStatus.FINALIZING: "text-accent",
    GenerationStatus.COMPLETE: "text-success",
    GenerationStatus.ERROR: "text-error",
}
_GROUP_VARS: dict[ErrorGroup, str] = {
    ErrorGroup.FIX_INPUT: "text-warning",
    ErrorGroup.CONTENT: "text-accent",
    ErrorGroup.MONEY: "text-warning",
    ErrorGroup.ACCESS: "text-error",
    ErrorGroup.TRANSIENT: "text-primary",
    ErrorGroup.UNKNOWN: "foreground-muted",
}
_GROUP_EXTRA: dict[ErrorGroup, Style] = {
    ErrorGroup.MONEY: Style(bold=True),
    ErrorGroup.ACCESS: Style(bold=True),
    ErrorGroup.CONTENT: Style(italic=True),
}


def status_icon(status: str) -> str:
    return STATUS_ICONS.get(status, UNKNOWN_STATUS_ICON)


@dataclass(frozen=True)
class Palette:
    """Rich styles resolved from one theme's CSS variables."""

    status: dict[str, Style]
    unknown_status: Style
    group: dict[ErrorGroup, Style]
    muted: Style
    cursor: Style
    cursor_blurred: Style
    header: Style
    bar_done: Style
    bar_todo: Style
    stalled: Style
    dark: bool

    def for_status(self, status: str) -> Style:
        return self.status.get(status, self.unknown_status)

    def for_group(self, group: ErrorGroup | None) -> Style:
        if group is None:
            return Style()
        return self.group[group]

    @classmethod
    def from_variables(cls, variables: dict[str, str], *, dark: bool = True) -> Palette:
        background = _color(variables.get("background", "#000000"), Color(0, 0, 0))

        def fg(name: str, default: str = "#808080") -> Style:
            return Style(color=_color(variables.get(name, default), background).rich_color)

        def bg(name: str, default: str = "#404040") -> Style:
            return Style(bgcolor=_color(variables.get(name, default), background).rich_color)

        return cls(
            status={k: fg(v) for k, v in _STATUS_VARS.items()},
            unknown_status=fg("foreground-muted") + Style(italic=True),
            group={k: fg(v) + _GROUP_EXTRA.get(k, Style()) for k, v in _GROUP_VARS.items()},
            muted=fg("foreground-muted"),
            cursor=bg("block-cursor-background", "#0178D4")
            + fg("foreground", "#ffffff")
            + Style(bold=True),
            cursor_blurred=bg("block-cursor-blurred-background", "#303030"),
            header=fg("text-primary") + Style(bold=True),
            bar_done=fg("primary"),
            bar_todo=fg("foreground-muted"),
            stalled=fg("text-warning") + Style(bold=True),
            dark=dark,
        )


def _color(value: str, background: Color) -> Color:
    """A CSS variable as an opaque color (alpha blended on the background)."""
    try:
        color = Color.parse(value)
    except Exception:  # "auto 60%" and friends: fall back to a mid grey
        return Color(128, 128, 128)
    return background + color if color.a < 1 else color
