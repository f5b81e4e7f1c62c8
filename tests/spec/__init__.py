"""The Hedra API specs and docs the tests check against; test data, not shipped in the package."""

from __future__ import annotations

from pathlib import Path

SPEC_DIR = Path(__file__).parent


def spec_text(name: str) -> str:
    """The text of ``name`` in this folder (e.g. ``hedra-openapi-v2.json``)."""
    return (SPEC_DIR / name).read_text(encoding="utf-8")
