"""A small question with a few answers, each on its own key (esc: none of them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


@dataclass(frozen=True)
class Answer:
    key: str  # a Textual key name: "j", "y", "enter"
    label: str  # the key as written in the dialog
    words: str  # what it does (plain text: never parsed as markup)
    value: str  # what the dialog returns


class ChoiceScreen(ModalScreen[str | None]):
    """Ask ``question`` (plain text, may span lines); returns the chosen answer's value."""

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    ChoiceScreen .answers { margin-top: 1; }
    """

    def __init__(self, title: str, question: str, answers: Sequence[Answer]) -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.answers = tuple(answers)
        for answer in self.answers:
            self._bindings.bind(answer.key, f"answer({answer.value!r})", answer.words, show=False)

    BINDINGS = [Binding("escape", "answer(None)", "Cancel", show=False)]

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(Text(self.question))
            lines = Text()
            for answer in self.answers:
                if lines.plain:
                    lines.append("\n")
                lines.append(f"{answer.label:>5}", style="bold")
                lines.append(f"  {answer.words}")
            lines.append("\n  esc", style="bold")
            lines.append("  cancel")
            yield Static(lines, classes="answers")

    def action_answer(self, value: str | None) -> None:
        self.dismiss(value)
