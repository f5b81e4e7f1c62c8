"""Export formats: raw JSON lines, flat CSV with spreadsheet formulas neutralised."""

from __future__ import annotations

import csv
import io
import json

from hedra_tui.api.models import parse_generation
from hedra_tui.state.export import write_csv, write_jsonl


def test_jsonl_is_the_raw_payload_with_controls_escaped():
    gen = parse_generation({"id": "x", "input": {"text_prompt": "a\x1b[2Jb"}, "extra": 1})
    out = io.StringIO()
    write_jsonl([gen], out)
    assert "\x1b" not in out.getvalue()
    assert json.loads(out.getvalue()) == gen.raw


def test_csv_has_flat_columns_and_neutralises_formulas():
    gen = parse_generation(
        {
            "id": "x",
            "status": "error",
            "input": {"text_prompt": '=HYPERLINK("http://evil")'},
            "error": {"type": "INVALID_ARGUMENT", "message": "bad", "reason_code": None},
        }
    )
    out = io.StringIO()
    write_csv([gen], out, lambda g: "Model X")
    (row,) = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["prompt"].startswith("'=")
    assert row["error_type"] == "INVALID_ARGUMENT" and row["model"] == "Model X"


def test_csv_names_the_model_and_keeps_its_id_in_its_own_column():
    gen = parse_generation({"id": "x", "input": {"ai_model_id": "uuid-1"}})
    unnamed = parse_generation({"id": "y", "input": {"ai_model_id": "uuid-2"}})
    out = io.StringIO()
    write_csv([gen, unnamed], out, lambda g: "Model X" if g.id == "x" else "")
    named, other = csv.DictReader(io.StringIO(out.getvalue()))
    assert (named["model"], named["model_id"]) == ("Model X", "uuid-1")
    assert (other["model"], other["model_id"]) == ("uuid-2", "uuid-2")


def test_model_names_map_ids_and_slugs_to_the_catalogues_names():
    from hedra_tui.api.models import AIModel
    from hedra_tui.state.export import model_names

    names = model_names([AIModel(id="u1", slug="char-3", name="Character-3"), AIModel(id="u2")])
    assert names == {"u1": "Character-3", "char-3": "Character-3", "u2": "u2"}
