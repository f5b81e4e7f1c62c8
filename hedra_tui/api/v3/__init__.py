"""The Hedra v3 API backend (``/v3``): jobs, status, lifecycle logs, live streams, balance."""

from __future__ import annotations

from .client import DEFAULT_V3_BASE_URL, JobPage, V3Client
from .models import Job, looks_like_v3_key

__all__ = ["DEFAULT_V3_BASE_URL", "Job", "JobPage", "V3Client", "looks_like_v3_key"]
