"""The Hedra v2 API backend (``/web-app/public``): generations, credits, models."""

from __future__ import annotations

from .client import DEFAULT_BASE_URL, IDS_PER_REQUEST, V2Client

__all__ = ["DEFAULT_BASE_URL", "IDS_PER_REQUEST", "V2Client"]
