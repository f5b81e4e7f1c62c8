"""A lazy tree of a JSON value: children are built when a node is expanded.

Unlike ``Tree.add_json`` it never parses keys or values as markup (labels are ``Text``),
sanitizes every string, shows each leaf's type, and adds huge containers a chunk at a
time, so a 100k-element array or a 200-level nesting costs only what is opened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...api.sanitize import display
from ..actions import bindings

CHUNK = 200
VALUE_MAX = 300
KEY_MAX = 80


@dataclass
class JsonNode:
    """What a tree node stands for: a path into the document and its value."""

    path: tuple[str | int, ...]
    value: Any
    start: int = 0  # for a "more" node: where the next chunk starts
    more: bool = False
    loaded: bool = False


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def leaf_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + display(value, max_len=VALUE_MAX) + '"'
    return display(repr(value), max_len=VALUE_MAX)


def copy_payload(value: Any) -> str:
    """What ``y`` copies: a string as it is (raw, not the sanitized label), anything else as
    JSON (an object or array indented). A lone surrogate, which UTF-8 cannot carry to the
    clipboard, becomes U+FFFD."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, indent=2, default=str)
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def path_text(path: tuple[str | int, ...]) -> str:
    """``outputs[0].url`` for a node's path (``(root)`` for the document itself)."""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "(root)"


def node_label(key: str | int | None, value: Any) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    if key is not None:
        shown = f"[{key}]" if isinstance(key, int) else display(key, max_len=KEY_MAX)
        text.append(shown, style="bold")
        text.append(": ")
    if isinstance(value, dict):
        text.append(f"{{{len(value)}}}", style="dim")
    elif isinstance(value, list):
        text.append(f"[{len(value)}]", style="dim")
    else:
        text.append(leaf_text(value))
        text.append(f"  {type_name(value)}", style="dim italic")
    return text


class JsonTree(Tree[JsonNode]):
    """Keyboard-navigable tree of one JSON document; expansion survives data refreshes."""

    MOVE_ACTIONS = {
        "down": "cursor_down",
        "up": "cursor_up",
        "top": "scroll_home",
        "bottom": "scroll_end",
        "page_down": "page_down",
        "page_up": "page_up",
    }
    BINDINGS = [*bindings("move", MOVE_ACTIONS), *bindings("tree")]
    DEFAULT_CSS = """
    JsonTree { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(Text("(nothing selected)"), id=id, classes=classes)
        self.show_root = True
        self.guide_depth = 2
        self._expanded: set[tuple[str | int, ...]] = set()
        self._doc_id: object = None
        self._doc: Any = None

    def show(
        self, doc_id: object, label: str, document: Any, *, expand: tuple[str, ...] = ()
    ) -> None:
        """Display ``document``; for the same ``doc_id`` keep what the user had expanded."""
        if doc_id == self._doc_id and document == self._doc:
            return
        if doc_id == self._doc_id and self._update_in_place(self.root, document):
            # same shape: only the changed leaves were relabelled (one line each)
            self._doc = document
            return
        if doc_id != self._doc_id:
            self._expanded = {(), *((k,) for k in expand)}
        cursor_path = None
        if doc_id == self._doc_id and self.cursor_node is not None and self.cursor_node.data:
            cursor_path = self.cursor_node.data.path
        self._doc_id = doc_id
        self._doc = document
        self.clear()
        root = self.root
        root.set_label(Text(display(label, max_len=120), style="bold"))
        root.data = JsonNode((), document)
        self._populate(root)
        root.expand()
        self._restore(root)
        if cursor_path is not None:
            self._move_cursor_to(cursor_path)

    def _update_in_place(self, node: TreeNode[JsonNode], value: Any) -> bool:
        """Relabel changed leaves under ``node``; False when the shape changed (rebuild)."""
        data = node.data
        if data is None:
            return False
        old = data.value
        if isinstance(old, dict) != isinstance(value, dict) or isinstance(old, list) != isinstance(
            value, list
        ):
            return False
        if isinstance(value, dict) and list(value) != list(old):
            return False
        if isinstance(value, list) and len(value) != len(old):
            return False
        data.value = value
        if not data.loaded:
            return True
        for child in node.children:
            cd = child.data
            if cd is None or cd.more:
                if cd is not None:
                    cd.value = value
                continue
            key = cd.path[-1]
            new = value[key]
            if isinstance(new, dict | list) or isinstance(cd.value, dict | list):
                if bool(new) != bool(cd.value):
                    return False  # an empty container became non-empty (or back)
                if not self._update_in_place(child, new):
                    return False
                label = node_label(key, new)
                if label.plain != str(child.label):  # relabelling repaints every descendant
                    child.set_label(label)
            elif new != cd.value or type(new) is not type(cd.value):
                cd.value = new
                child.set_label(node_label(key, new))
        return True

    def _restore(self, node: TreeNode[JsonNode]) -> None:
        for child in node.children:
            data = child.data
            if data is not None and not data.more and data.path in self._expanded:
                self._populate(child)
                child.expand()
                self._restore(child)

    def _move_cursor_to(self, path: tuple[str | int, ...]) -> None:
        def walk(node: TreeNode[JsonNode]) -> TreeNode[JsonNode] | None:
            if node.data is not None and node.data.path == path:
                return node
            for child in node.children:
                found = walk(child)
                if found is not None:
                    return found
            return None

        found = walk(self.root)
        if found is not None and found.line >= 0:
            self.cursor_line = found.line

    def _populate(self, node: TreeNode[JsonNode], start: int = 0) -> None:
        data = node.data
        if data is None or (data.loaded and not start):
            return
        data.loaded = True
        value = data.value
        items: list[tuple[str | int, Any]]
        if isinstance(value, dict):
            keys = list(value.keys())
            items = [(k, value[k]) for k in keys[start : start + CHUNK]]
            total = len(keys)
        elif isinstance(value, list):
            items = list(enumerate(value[start : start + CHUNK], start))
            total = len(value)
        else:
            return
        for key, child in items:
            path = (*data.path, key)
            label = node_label(key, child)
            if isinstance(child, dict | list) and child:
                node.add(label, JsonNode(path, child), allow_expand=True)
            else:
                node.add_leaf(label, JsonNode(path, child))
        end = start + len(items)
        if end < total:
            more = Text(f"… {total - end} more (enter to load)", style="dim italic")
            node.add(more, JsonNode(data.path, value, start=end, more=True), allow_expand=True)

    def _on_tree_node_expanded(self, event: Tree.NodeExpanded[JsonNode]) -> None:
        node = event.node
        data = node.data
        if data is None:
            return
        if data.more:
            parent = node.parent
            if parent is None or node not in parent.children:
                return  # the tree was rebuilt (new data) before this expansion arrived
            node.remove()
            if parent is not None:
                self._populate(parent, start=data.start)
            return
        self._expanded.add(data.path)
        self._populate(node)

    def action_copy_value(self) -> None:
        """Copy the raw value under the cursor with OSC 52 (works over SSH)."""
        node = self.cursor_node
        data = node.data if node is not None else None
        if data is None or data.more:
            self.notify("Nothing to copy here: move to a value", markup=False)
            return
        payload = copy_payload(data.value)
        self.app.copy_to_clipboard(payload)
        shown = display(payload, max_len=60)
        where = display(path_text(data.path), max_len=60)
        self.notify(f"Copied {where}: {shown}", markup=False)

    def _on_tree_node_collapsed(self, event: Tree.NodeCollapsed[JsonNode]) -> None:
        data = event.node.data
        if data is not None:
            self._expanded.discard(data.path)
