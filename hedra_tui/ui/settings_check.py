"""Settings only the UI can check, because the valid names come from Textual: the theme and
the keymap's binding ids. A bad one is a warning (ignored, the closest valid name suggested)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.binding import Binding
from textual.dom import DOMNode

from ..config import Origin, closest


def theme_warning(theme: str | None, origin: Origin, available: Iterable[str]) -> str | None:
    """A warning when ``theme`` is set and is not one of ``available``."""
    names = sorted(available)
    if not theme or theme in names:
        return None
    guess = closest(theme, names)
    hint = f"did you mean {guess!r}?" if guess else f"valid: {', '.join(names)}"
    return f"{origin.describe('theme')}: theme {theme!r} is not a Textual theme (ignored); {hint}"


def binding_ids(root: type[DOMNode] = DOMNode) -> set[str]:
    """Every binding id of every loaded widget, screen and app class (ours and Textual's)."""
    ids: set[str] = set()
    stack = [root]
    seen: set[type] = set()
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for binding in getattr(cls, "BINDINGS", ()):
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
        stack.extend(cls.__subclasses__())
    return ids


def keymap_warnings(keymap: Mapping[str, str], origin: Origin) -> list[str]:
    """Keymap entries whose binding id nothing binds (Textual ignores them silently). Call it
    once the app's module is imported: its screens and widgets are then loaded classes."""
    known = binding_ids()
    out = []
    for key in keymap:
        if key in known:
            continue
        guess = closest(key, known)
        hint = f"did you mean {guess!r}?" if guess else "`?` help lists the bindings"
        where = origin.describe("keymap")
        out.append(f"{where}: [keymap] {key!r} is no binding id (ignored); {hint}")
    return out


class UiChecks:
    """The checks ``hedra-tui config show`` needs from the UI (see commands/config_cmd.py)."""

    def __init__(self) -> None:
        from textual.constants import DEFAULT_THEME
        from textual.theme import BUILTIN_THEMES

        import hedra_tui.ui.app  # noqa: F401  (loads every class that binds keys)

        self.themes = frozenset(BUILTIN_THEMES)
        self.default_theme = DEFAULT_THEME

    def theme_warning(self, theme: str, origin: Origin) -> str | None:
        return theme_warning(theme, origin, self.themes)

    def keymap_warnings(self, keymap: dict[str, str], origin: Origin) -> list[str]:
        return keymap_warnings(keymap, origin)
