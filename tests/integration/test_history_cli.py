"""`hedra-tui db` and `hedra-tui stats` as a person runs them, against a real history file."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from hedra_tui.api.models import parse_generation
from hedra_tui.state.history import HistoryDB, history_path, record_of

from .test_cli import run_cli

KEY = "sk-hedra-test-history-0001"
URL = "https://api.example.test/web-app/public"


def _env(tmp_path) -> dict[str, str]:
    return {
        "HEDRA_BASE_URL": URL,
        "HEDRA_API_KEY": KEY,
        "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
        "HEDRA_TUI_DATA": str(tmp_path / "data"),
    }


def _fill(tmp_path) -> None:
    now = datetime.now(UTC)
    db = HistoryDB.open(history_path(URL, KEY, tmp_path / "data" / "history")).db
    records = []
    for i in range(30):
        created = now - timedelta(minutes=10 * i)
        failed = i % 5 == 0
        raw = {
            "id": f"g{i}",
            "type": "video" if i % 2 else "image",
            "status": "error" if failed else "complete",
            "created_at": created.isoformat().replace("+00:00", "Z"),
            "credit_cost": 3,
            "input": {"ai_model_id": "m-a" if i % 3 else "m-b", "text_prompt": f"p{i}"},
            **({"error": {"type": "INTERNAL", "message": "x"}} if failed else {}),
        }
        ended = created + timedelta(seconds=60 + i)
        records.append(record_of(parse_generation(raw), "v2", None, ended))
    db.save(records, now)
    db.close()


def test_db_path_stats_vacuum_and_forget(tmp_path):
    env = _env(tmp_path)
    path = run_cli("db", "path", env=env).stdout.strip()
    assert path == str(history_path(URL, KEY, tmp_path / "data" / "history"))
    assert KEY not in path
    _fill(tmp_path)
    stats = run_cli("db", "stats", env=env)
    assert stats.returncode == 0, stats.stderr
    assert "30 (30 ended, 0 in flight)" in stats.stdout
    assert run_cli("db", "vacuum", env=env).returncode == 0
    refused = run_cli("db", "forget", env=env)
    assert refused.returncode == 2 and "--yes" in refused.stderr  # no terminal: never silently
    gone = run_cli("db", "forget", "--yes", env=env)
    assert gone.returncode == 0 and not list((tmp_path / "data" / "history").glob("*.sqlite3*"))
    assert "no history" in run_cli("db", "stats", env=env).stdout


def test_stats_as_table_json_and_csv(tmp_path):
    env = _env(tmp_path)
    _fill(tmp_path)
    table = run_cli("stats", "--range", "24h", env=env)
    assert table.returncode == 0, table.stderr
    assert "MODEL" in table.stdout and "TYPE" in table.stdout and "observed" in table.stdout
    data = json.loads(run_cli("stats", "--range", "all", "--format", "json", env=env).stdout)
    total = data["total"]
    assert (total["jobs"], total["completed"], total["failed"]) == (30, 24, 6)
    assert total["credits_spent"] == 24 * 3 and total["failure_rate"] == 6 / 30
    assert total["median_duration_s"] is not None and total["top_errors"][0]["code"] == "INTERNAL"
    rows = list(csv.DictReader(io.StringIO(run_cli("stats", "--format", "csv", env=env).stdout)))
    assert {r["group_by"] for r in rows} == {"model", "type", "all"}
    assert next(r for r in rows if r["group_by"] == "all")["jobs"] == "30"


def test_no_cache_turns_the_history_off(tmp_path):
    result = run_cli("db", "path", "--no-cache", env=_env(tmp_path))
    assert result.returncode == 2 and "turned off" in result.stdout
