"""Every ``type: ignore`` in hedra_tui names its error code and says why; mypy (strict, with
``warn_unused_ignores``) checks that each one is still needed."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")


def _unchecked_modules() -> list[str]:
    """Module patterns that mypy does not check yet (``ignore_errors`` overrides)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns: list[str] = []
    for override in config["tool"]["mypy"].get("overrides", []):
        if override.get("ignore_errors"):
            module = override["module"]
            patterns += [module] if isinstance(module, str) else module
    return patterns


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _unchecked(module: str, patterns: list[str]) -> bool:
    # mypy's "a.b.*" also matches "a.b" itself
    return any(
        module == p or fnmatch.fnmatchcase(module, p) or (p.endswith(".*") and module == p[:-2])
        for p in patterns
    )


def unexplained_ignores(source: str) -> list[tuple[int, str]]:
    """(line number, line) of each ignore without an error code or without a reason: a comment
    after it on the same line, or a comment line right above it."""
    found = []
    lines = source.splitlines()
    for number, line in enumerate(lines, 1):
        match = IGNORE.search(line)
        if match is None:
            continue
        reason_here = match["rest"].strip().startswith("#")
        above = lines[number - 2].strip() if number > 1 else ""
        if not match["codes"] or not (reason_here or above.startswith("#")):
            found.append((number, line.strip()))
    return found


def test_an_ignore_without_code_or_reason_is_found_and_one_with_both_is_not():
    bare, coded = "x = f()  # type: ignore", "x = f()  # type: ignore[arg-type]"
    assert unexplained_ignores(bare + "  # why\n") == [(1, bare + "  # why")]
    assert unexplained_ignores(coded + "\n") == [(1, coded)]
    assert unexplained_ignores(coded + "  # typeshed is too narrow\n") == []
    assert unexplained_ignores("# typeshed is too narrow\n" + coded + "\n") == []


def test_every_type_ignore_in_checked_modules_names_its_code_and_a_reason():
    patterns = _unchecked_modules()
    bad = [
        f"{path.relative_to(ROOT)}:{number}: {line}"
        for path in sorted((ROOT / "hedra_tui").rglob("*.py"))
        if not _unchecked(_module_of(path), patterns)
        for number, line in unexplained_ignores(path.read_text(encoding="utf-8"))
    ]
    assert bad == []
