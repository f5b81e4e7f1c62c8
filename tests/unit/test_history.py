"""The local history database: what it keeps, what it never overwrites, files it cannot use
set aside (never lost), and two processes writing one file at once."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hedra_tui.api.models import parse_generation
from hedra_tui.state.history import HistoryDB, history_path, record_of

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def gen(i: int, status: str = "complete", **extra: object):
    created = (NOW - timedelta(minutes=i)).isoformat().replace("+00:00", "Z")
    raw = {
        "id": f"g{i:05d}",
        "type": "video",
        "status": status,
        "progress": 1.0 if status == "complete" else 0.4,
        "created_at": created,
        "credit_cost": 10 + i,
        "input": {"text_prompt": f"prompt {i} ✓ \x1b[31m", "ai_model_id": "m1"},
        **extra,
    }
    return parse_generation(raw)


def test_the_file_is_named_by_a_hash_and_never_holds_the_key(tmp_path):
    key = "sk-hedra-very-secret-1234"
    path = history_path("https://api.hedra.com/web-app/public", key, tmp_path)
    other = history_path("https://api.hedra.com/web-app/public", key + "x", tmp_path)
    assert path != other and key not in str(path)
    db = HistoryDB.open(path).db
    db.save([record_of(gen(1), "v2", "Model One", None)], NOW)
    db.close()
    assert key.encode() not in path.read_bytes()


def test_jobs_round_trip_with_raw_values_and_ended_jobs_are_written_once(tmp_path):
    db = HistoryDB.open(tmp_path / "h.sqlite3").db
    running = gen(3, "processing")
    db.save([record_of(gen(1), "v2", "M", NOW), record_of(running, "v2", "M", None)], NOW)
    assert db.count() == 2 and db.unfinished() == ["g00003"]
    # the job in flight moves on; the ended one is offered again, changed: it is kept as it was
    moved = gen(3, "complete")
    tampered = gen(1, "error", error={"type": "INTERNAL", "message": "late"})
    db.save([record_of(moved, "v2", "M", NOW), record_of(tampered, "v2", "M", None)], NOW)
    assert db.unfinished() == []
    rows = db.query("SELECT id, status, prompt, finished_at FROM jobs ORDER BY id")
    assert rows[0][:2] == ("g00001", "complete")
    assert rows[0][2] == "prompt 1 ✓ \x1b[31m"  # raw, as the server sent it
    assert rows[1][3] is not None  # seen ending
    newest = db.newest(10)
    assert [g["id"] for g in newest] == ["g00001", "g00003"]
    assert newest[0]["input"]["text_prompt"] == "prompt 1 ✓ \x1b[31m"
    assert (
        db.newest_final_created()
        == datetime.fromisoformat(gen(1).created_at.replace("Z", "+00:00")).timestamp()
    )


def test_iterating_the_whole_history_pages_newest_first_without_gaps(tmp_path):
    db = HistoryDB.open(tmp_path / "h.sqlite3").db
    same_time = [gen(7, id=f"tie{j}") for j in range(5)]  # five jobs created at one instant
    db.save([record_of(gen(i), "v2", None, None) for i in range(2500)], NOW)
    db.save([record_of(g, "v2", None, None) for g in same_time], NOW)
    ids = [g["id"] for batch in db.iter_raw(batch=100) for g in batch]
    assert len(ids) == len(set(ids)) == 2505


def test_a_corrupt_file_is_set_aside_with_its_path_and_a_new_one_started(tmp_path):
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    opened = HistoryDB.open(path)
    assert opened.set_aside is not None and opened.set_aside.exists()
    assert "corrupt" in opened.set_aside.name and opened.reason
    assert opened.set_aside.read_bytes().startswith(b"this is not")  # nothing lost
    opened.db.save([record_of(gen(1), "v2", None, None)], NOW)
    assert opened.db.count() == 1


def test_another_programs_database_is_never_written_into(tmp_path):
    path = tmp_path / "h.sqlite3"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE notes (text TEXT)")
    other.execute("INSERT INTO notes VALUES ('keep me')")
    other.commit()
    other.close()
    opened = HistoryDB.open(path)
    assert opened.set_aside is not None and "foreign" in opened.set_aside.name
    kept = sqlite3.connect(opened.set_aside)
    assert kept.execute("SELECT text FROM notes").fetchall() == [("keep me",)]
    kept.close()


def test_two_processes_write_one_file_at_once(tmp_path):
    path = tmp_path / "shared.sqlite3"
    HistoryDB.open(path).db.close()
    script = textwrap.dedent(
        f"""
        import sys
        from datetime import UTC, datetime
        from hedra_tui.api.models import parse_generation
        from hedra_tui.state.history import HistoryDB, record_of
        who = sys.argv[1]
        db = HistoryDB.open({str(path)!r}).db
        now = datetime(2026, 12, 1, tzinfo=UTC)
        for batch in range(40):
            gens = [parse_generation({{"id": f"{{who}}-{{batch}}-{{i}}", "status": "processing",
                     "created_at": "2026-12-01T10:00:00Z", "type": "image"}}) for i in range(25)]
            db.save([record_of(g, "v2", None, None) for g in gens], now)
            # the same shared jobs, written by both, moving on
            shared = [parse_generation({{"id": f"shared-{{i}}", "status": "processing",
                       "progress": batch / 40, "created_at": "2026-12-01T09:00:00Z"}})
                      for i in range(10)]
            db.save([record_of(g, "v2", None, None) for g in shared], now)
        print("ok")
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, who], stdout=subprocess.PIPE, text=True)
        for who in ("a", "b")
    ]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs) and outs == ["ok\n", "ok\n"]
    db = HistoryDB.open(path).db
    assert db.count() == 2 * 40 * 25 + 10
    assert db.query("PRAGMA integrity_check") == [("ok",)]


def test_the_schema_is_documented_as_queried(tmp_path):
    """The README's example queries run against a real history."""
    db = HistoryDB.open(tmp_path / "h.sqlite3").db
    db.save(
        [
            record_of(gen(1), "v2", "Kling", NOW),
            record_of(gen(2, "error", error={"type": "INTERNAL"}), "v2", "Kling", NOW),
        ],
        NOW,
    )
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    queries = [q for q in readme.split("```sql")[1:]]
    assert queries, "the README shows example queries"
    for block in queries:
        sql = block.split("```")[0].strip()
        for statement in filter(None, (s.strip() for s in sql.split(";"))):
            db.query(statement)  # runs: the columns it names exist
    assert json.loads(db.query("SELECT raw FROM jobs LIMIT 1")[0][0])["id"]


@pytest.mark.parametrize("bad", [b"", b"SQLite format 3\x00" + b"\x00" * 200])
def test_empty_or_truncated_files_do_not_crash(tmp_path, bad):
    path = tmp_path / "h.sqlite3"
    path.write_bytes(bad)
    opened = HistoryDB.open(path)
    opened.db.save([record_of(gen(1), "v2", None, None)], NOW)
    assert opened.db.count() == 1
