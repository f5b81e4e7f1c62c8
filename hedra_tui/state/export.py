"""Export generations as JSON lines (raw, as the server sent them) or CSV (flat columns).

The CSV's ``model`` is the model's name (its id when the catalogue does not name it) and
``model_id`` the id the job names, so a script can join on it.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from ..api.decode import parse_any
from ..api.models import AIModel, Generation
from .derive import error_code_of, model_id_of, prompt_of
from .store import Row

CSV_COLUMNS = (
    "id",
    "status",
    "type",
    "progress",
    "created_at",
    "eta_sec",
    "estimated_completion_at",
    "credit_cost",
    "model",
    "model_id",
    "error_type",
    "reason_code",
    "error_message",
    "asset_url",
    "prompt",
)


def model_names(models: Iterable[AIModel]) -> dict[str, str]:
    """Model id (and slug) -> name, from the model catalogue (``GET /models``); raw text."""
    names: dict[str, str] = {}
    for m in models:
        name = m.name or m.slug or m.id or ""
        for key in (m.id, m.slug):
            if key and name:
                names[key] = name
    return names


def csv_record(gen: Generation, model_label: str = "") -> dict[str, object]:
    err = gen.error
    model_id = model_id_of(gen) or ""
    return {
        "id": gen.id,
        "status": gen.status,
        "type": gen.type,
        "progress": gen.progress,
        "created_at": gen.created_at or "",
        "eta_sec": "" if gen.eta_sec is None else gen.eta_sec,
        "estimated_completion_at": gen.estimated_completion_at or "",
        "credit_cost": "" if gen.credit_cost is None else gen.credit_cost,
        "model": model_label or model_id,
        "model_id": model_id,
        "error_type": error_code_of(gen) or "",
        "reason_code": (err.reason_code if err else None) or "",
        "error_message": (err.message if err else gen.error_message) or "",
        "asset_url": (gen.asset.best_url if gen.asset else None) or "",
        "prompt": prompt_of(gen),
    }


def _neutralize(value: object) -> object:
    # a cell starting with = + - @ is a formula in spreadsheet programs
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_csv(gens: Iterable[Generation], out: TextIO, labels: Callable[[Generation], str]) -> int:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    count = 0
    for gen in gens:
        record = csv_record(gen, labels(gen))
        writer.writerow({k: _neutralize(v) for k, v in record.items()})
        count += 1
    return count


def write_jsonl(gens: Iterable[Generation], out: TextIO) -> int:
    count = 0
    for gen in gens:
        out.write(json.dumps(gen.raw, ensure_ascii=True, separators=(",", ":")) + "\n")
        count += 1
    return count


def write_export(rows: list[Row], path: Path, fmt: str, model_label: Callable[[Row], str]) -> None:
    """Write to a temporary file beside ``path`` and rename, so no half file is left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            # one row at a time: 100k parsed generations at once would cost ~800 MB
            if fmt == "csv":
                labels = {r.id: model_label(r) for r in rows}
                gens = (parse_any(r.raw) for r in rows)
                write_csv(gens, out, lambda g: labels.get(g.id, ""))
            else:
                for r in rows:
                    out.write(zlib.decompress(r.blob).decode("ascii") + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
