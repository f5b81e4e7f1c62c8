"""The resubmit dialog: each failed job with its price or why it cannot go, the count and the
total, one yes. It lays out a :class:`Plan`; the App's workers read prices and send."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from ...api.sanitize import display
from ...state.resubmit import Item, Phase, Plan, Step, amount_text, price_text
from ..actions import BY_ID, bindings, keys_in_force
from ..widgets.key_scroll import KeyScroll

MARKS: dict[Step, tuple[str, str]] = {
    Step.PREPARING: ("…", "dim"),
    Step.READY: ("•", ""),
    Step.REFUSED: ("⊘", "bold"),
    Step.SENDING: ("▶", "bold"),
    Step.SENT: ("✓", "bold green"),
    Step.FAILED: ("✗", "bold red"),
    Step.RETRY: ("↻", "bold yellow"),
    Step.UNKNOWN: ("?", "bold yellow"),
}


def _jobs(count: int) -> str:
    return f"{count:,} job" + ("" if count == 1 else "s")


MODEL_WIDTH_MAX = 24


def _right(item: Item) -> Text:
    """The price, the new job, or the step, at the end of a job's line."""
    mark_style = MARKS[item.step][1]
    if item.step is Step.SENT and item.new_id:
        return Text(f"new job {display(item.new_id, max_len=64)[:8]}", style="bold")
    if item.step in (Step.READY, Step.RETRY, Step.SENDING):
        return Text(price_text(item.price))
    if item.step is Step.PREPARING:
        return Text("reading…", style="dim")
    return Text(item.step.value, style=mark_style)


def items_view(plan: Plan) -> Group:
    """One line per job (mark, prompt, model, price or step), then why, if anything is to
    be said, wrapped under it. The prompt gives way (ending in …); the model's name and the
    price keep their width, the same on every line."""
    rights = [_right(item) for item in plan.items]
    model_width = min(max((len(i.model_text) for i in plan.items), default=1), MODEL_WIDTH_MAX)
    right_width = max((r.cell_len for r in rights), default=1)
    parts: list[RenderableType] = []
    for item, right in zip(plan.items, rights, strict=True):
        mark, style = MARKS[item.step]
        line = Table.grid(padding=(0, 1), expand=True)
        line.add_column(width=1, no_wrap=True)
        line.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        line.add_column(width=model_width, no_wrap=True, overflow="ellipsis")
        line.add_column(width=right_width, justify="right", no_wrap=True)
        line.add_row(Text(mark, style=style), Text(item.prompt_text), Text(item.model_text), right)
        parts.append(line)
        note = item.note
        if not note and item.step is Step.READY and item.price is not None:
            note = item.price.basis
        if note:
            quiet = item.step is Step.READY
            parts.append(Padding(Text(note, style="dim" if quiet else ""), (0, 0, 0, 2)))
    return Group(*parts)


def summary_text(plan: Plan, backend_keeps: str) -> Text:
    """The count, the total and what happens: the lines above the keys."""
    text = Text()
    if plan.phase is Phase.PRICING:
        text.append("Reading what each job would send and cost…", style="dim")
        return text
    sent = plan.with_step(Step.SENT)
    if plan.sent_rounds and plan.phase is not Phase.ASKING:
        if plan.phase is Phase.SENDING:
            text.append(f"Submitting… {len(sent):,} of {_jobs(len(plan.items))} sent", "bold")
            return text
        text.append(f"Done: {_jobs(len(sent))} submitted", style="bold")
        if sent:
            text.append(", at the top of the list and watched")
            if plan.hidden:
                text.append(" (the list's filters hide them now: 0 clears them)")
        missed = len(plan.items) - len(sent)
        if missed:
            text.append(f"; {missed:,} not (see above)")
        return text
    todo = plan.to_send
    refused = plan.with_step(Step.REFUSED, Step.FAILED, Step.UNKNOWN)
    if not todo:
        text.append("Nothing can be resubmitted", style="bold")
        if refused:
            text.append(": see why above")
        return text
    if plan.sent_rounds:  # a lost answer: the same keys again
        text.append(f"No answer for {_jobs(len(todo))}. ", style="bold")
        text.append("Sending again under the same idempotency keys starts no second job.\n")
    verb = "Submit again" if plan.sent_rounds else "Submit"
    text.append(f"{verb} {_jobs(len(todo))} for {plan.total_text()}", style="bold")
    same = "prompt" if backend_keeps == "prompt" else "input"
    if len(plan.items) == 1:
        text.append(f" (a new job with the same {same}; the failed one stays as it is)")
    else:
        text.append(f" (each a new job with the same {same}; the failed ones stay as they are)")
    if refused and not plan.sent_rounds:
        text.append(f"\n{len(refused):,} cannot be resubmitted (see why above)")
    if plan.over_cap:
        text.append(
            f"\n{plan.over_cap:,} older failed jobs of this group are left out "
            f"(at most {plan.cap:,} at once: the resubmit_max setting)"
        )
    return text


class ResubmitScreen(ModalScreen[None]):
    """Price first, then one yes. y/enter confirms once; n/esc cancels (or closes when done).

    Confirming posts :class:`ResubmitScreen.Confirmed` only when the plan accepts the yes
    (``Plan.confirm``), so a second press, or enter after y, sends nothing more."""

    BINDINGS = bindings("resubmit")
    DEFAULT_CSS = """
    ResubmitScreen { align: center middle; }
    ResubmitScreen > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: round $warning; background: $surface; padding: 0 1;
    }
    ResubmitScreen KeyScroll { height: auto; max-height: 20; }
    ResubmitScreen #resubmit-summary { height: auto; margin-top: 1; }
    ResubmitScreen #resubmit-keys { height: auto; margin-top: 1; }
    """

    class Confirmed(Message):
        """The person said yes to ``plan`` (already accepted by ``plan.confirm``) in
        ``dialog``, which shows how the sending goes."""

        def __init__(self, plan: Plan, dialog: ResubmitScreen) -> None:
            super().__init__()
            self.plan = plan
            self.dialog = dialog

    def __init__(self, plan: Plan, *, keeps: str, keymap: Mapping[str, str] | None = None):
        super().__init__()
        self.plan = plan
        self.keeps = keeps  # the backend's capabilities.resubmit: "input" or "prompt"
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = escape(self._title())  # a title is markup: the group's name is not
            with KeyScroll(id="resubmit-scroll"):
                yield Static(id="resubmit-items")
            yield Static(id="resubmit-summary")
            yield Static(id="resubmit-keys")

    def on_mount(self) -> None:
        self.show_plan()
        self.query_one(KeyScroll).focus()

    def _title(self) -> str:
        count = len(self.plan.items)
        if self.plan.what == "this job":
            return "Resubmit this job"
        return f"Resubmit {self.plan.what}: {_jobs(count)}"

    def _keys(self, command_id: str) -> str:
        return "/".join(keys_in_force(BY_ID[command_id], self.keymap))

    def show_plan(self) -> None:
        """Lay the plan out again (called as prices arrive and as jobs are sent; before the
        dialog is composed there is nothing to lay out, and mounting lays out what is known)."""
        try:
            items = self.query_one("#resubmit-items", Static)
        except NoMatches:
            return
        plan = self.plan
        items.update(items_view(plan))
        self.query_one("#resubmit-summary", Static).update(summary_text(plan, self.keeps))
        keys = Text(style="dim")
        yes, no = self._keys("resubmit.confirm"), self._keys("resubmit.cancel")
        if plan.phase is Phase.ASKING and plan.to_send:
            keys.append(f"{yes}: submit {_jobs(len(plan.to_send))} · {no}: cancel")
        elif plan.phase is Phase.SENDING:
            keys.append(f"{no}: close (the jobs being sent are still sent)")
        elif plan.phase is Phase.PRICING:
            keys.append(f"{no}: cancel")
        else:
            keys.append(f"{yes} or {no}: close")
        self.query_one("#resubmit-keys", Static).update(keys)

    def action_confirm(self) -> None:
        if self.plan.phase is Phase.DONE:
            self.dismiss(None)
            return
        if self.plan.confirm():  # once: the plan moves on to sending
            self.post_message(self.Confirmed(self.plan, self))
        self.show_plan()

    def action_cancel(self) -> None:
        self.plan.cancel()  # before anything was sent: nothing will be
        self.dismiss(None)


def total_words(plan: Plan) -> str:
    """``2 jobs, 1,920 credits``: for a toast."""
    return f"{_jobs(len(plan.to_send))}, {amount_text(plan.total, plan.currency)}"
