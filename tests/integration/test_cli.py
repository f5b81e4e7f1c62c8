"""The `hedra-tui` command line, run as a real process against the simulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hedra_tui.cli import main


def _start_sim(*args: str) -> tuple[int, subprocess.Popen, str]:
    """``hedra-tui sim`` on a free port; returns it once it printed its export line."""
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEDRA_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hedra_tui", "sim", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    banner = ""
    deadline = time.monotonic() + 20
    while "export" not in banner and time.monotonic() < deadline:
        banner += proc.stdout.readline()
    return port, proc, banner


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: str | None = None):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HEDRA_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "hedra_tui", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=60,
    )


@pytest.fixture
def sim_env(sim, tmp_path):
    return {
        "HEDRA_BASE_URL": sim.base_url,
        "HEDRA_API_KEY": sim.api_key,
        "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
    }


def test_list_prints_a_table_of_generations(sim_env, tmp_path):
    result = run_cli("list", "--limit", "7", env=sim_env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["ID", "STATUS", "TYPE"]
    assert len(lines) == 8


def test_list_json_prints_one_object_per_line(sim_env, tmp_path):
    result = run_cli("list", "--limit", "150", "--json", env=sim_env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(objects) == 150
    assert len({o["id"] for o in objects}) == 150


def test_list_with_filters(sim_env, tmp_path):
    result = run_cli(
        "list",
        "--type",
        "image",
        "--created-after",
        "400d",
        "--json",
        env=sim_env,
        cwd=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert all(json.loads(line)["type"] == "image" for line in result.stdout.splitlines())


def test_list_with_a_rejected_key_says_401_in_one_line(sim_env, tmp_path):
    env = {**sim_env, "HEDRA_API_KEY": "sk-nope-123"}
    result = run_cli("list", env=env, cwd=str(tmp_path))
    assert result.returncode == 2
    assert "401" in result.stderr
    assert "Traceback" not in result.stderr
    assert "sk-nope-123" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_list_without_a_key_explains_how_to_set_it(tmp_path):
    env = {"HEDRA_TUI_CONFIG": str(tmp_path / "none.toml")}
    result = run_cli("list", env=env, cwd=str(tmp_path))
    assert result.returncode == 2
    assert "HEDRA_API_KEY" in result.stderr and "--demo" in result.stderr
    assert "Traceback" not in result.stderr


def test_list_refuses_plain_http_to_a_remote_host(tmp_path):
    env = {
        "HEDRA_API_KEY": "k",
        "HEDRA_BASE_URL": "http://api.example.com",
        "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
    }
    result = run_cli("list", env=env, cwd=str(tmp_path))
    assert result.returncode == 2
    assert "--allow-insecure" in result.stderr


def test_list_when_the_api_is_down_fails_with_a_network_message(tmp_path):
    env = {
        "HEDRA_API_KEY": "k",
        "HEDRA_BASE_URL": "http://127.0.0.1:9",
        "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
    }
    result = run_cli("list", "--timeout", "1", env=env, cwd=str(tmp_path))
    assert result.returncode == 1
    assert "cannot reach" in result.stderr
    assert "Traceback" not in result.stderr


def test_list_demo_needs_no_key(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HEDRA_TUI_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("HEDRA_API_KEY", raising=False)
    assert main(["--demo", "--count", "50", "list", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 4


def test_bad_time_filter_is_a_usage_error(sim_env, tmp_path):
    result = run_cli("list", "--created-after", "someday", env=sim_env, cwd=str(tmp_path))
    assert result.returncode == 2
    assert "cannot read" in result.stderr


def test_sim_command_serves_until_terminated_and_list_reads_it(tmp_path):
    import signal

    port, proc, banner = _start_sim("--count", "100")
    try:
        assert f"HEDRA_BASE_URL=http://127.0.0.1:{port}" in banner
        result = run_cli(
            "list",
            "--limit",
            "5",
            env={
                "HEDRA_BASE_URL": f"http://127.0.0.1:{port}",
                "HEDRA_API_KEY": "sk-hedra-demo-0000",
                "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
            },
            cwd=str(tmp_path),
        )
        assert result.returncode == 0, result.stderr
        assert len(result.stdout.strip().splitlines()) == 6
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_sim_refuses_a_public_address_without_the_flag():
    result = run_cli("sim", "--host", "0.0.0.0")
    assert result.returncode == 2
    assert "--public" in result.stderr


def test_monitor_without_a_key_explains_and_exits_2_before_the_tui(tmp_path):
    env = {"HEDRA_TUI_CONFIG": str(tmp_path / "none.toml")}
    result = run_cli(env=env, cwd=str(tmp_path))
    assert result.returncode == 2
    assert "HEDRA_API_KEY" in result.stderr and "hedra-tui --demo" in result.stderr
    assert "\x1b[" not in result.stdout + result.stderr  # the TUI never started


def _ids_by_status(sim, status: str) -> list[str]:
    import httpx

    with httpx.Client(base_url=sim.base_url, headers={"X-API-Key": sim.api_key}) as c:
        data = c.get("/generations", params={"limit": 100}).json()["data"]
    return [g["id"] for g in data if g["status"] == status]


def test_list_format_csv(sim_env, tmp_path):
    result = run_cli("list", "--limit", "5", "--format", "csv", env=sim_env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    rows = result.stdout.strip().splitlines()
    assert rows[0].startswith("id,status,type,progress") and len(rows) == 6


def test_watch_completed_job_exits_0_and_failed_job_exits_1(sim, sim_env, tmp_path):
    done = _ids_by_status(sim, "complete")[0]
    failed = _ids_by_status(sim, "error")[0]
    ok = run_cli("watch", done, env=sim_env, cwd=str(tmp_path))
    assert ok.returncode == 0, ok.stderr
    assert done in ok.stdout and "complete" in ok.stdout
    bad = run_cli("watch", done, failed, "--json", env=sim_env, cwd=str(tmp_path))
    assert bad.returncode == 1
    assert {json.loads(line)["id"] for line in bad.stdout.splitlines()} == {done, failed}


def test_watch_follows_a_job_in_flight_until_it_finishes(sim_factory, tmp_path):
    import time

    from .helpers import advance

    s = sim_factory(count=20, inflight=3, seed=2, arrivals=False)
    gen_id = (
        _ids_by_status(s, "processing")[0]
        if _ids_by_status(s, "processing")
        else _ids_by_status(s, "queued")[0]
    )
    env = {
        "HEDRA_BASE_URL": s.base_url,
        "HEDRA_API_KEY": s.api_key,
        "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
    }
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HEDRA_")} | env
    proc = subprocess.Popen(
        [sys.executable, "-m", "hedra_tui", "watch", gen_id, "--interval", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
    )
    # wait for the first progress line (a cold interpreter can take seconds to start)
    first = proc.stdout.readline()
    assert first.split()[1] in ("queued", "processing", "finalizing"), first
    advance(s, 20)
    time.sleep(0.8)
    advance(s, 3600)
    out, err = proc.communicate(timeout=30)
    lines = [first.strip(), *out.strip().splitlines()]
    assert len(lines) >= 2, (out, err)
    assert lines[-1].split()[1] in ("complete", "error")
    assert proc.returncode == (0 if lines[-1].split()[1] == "complete" else 1)


def test_watch_unknown_id_is_a_usage_error(sim_env, tmp_path):
    result = run_cli("watch", "no-such-id", env=sim_env, cwd=str(tmp_path))
    assert result.returncode == 2
    assert "no generation with id" in result.stderr


def test_config_path_prints_the_config_file(tmp_path):
    result = run_cli("config", "path", env={"HEDRA_TUI_CONFIG": str(tmp_path / "c.toml")})
    assert result.returncode == 0
    assert result.stdout.strip() == str(tmp_path / "c.toml")


def test_default_filters_come_from_the_config_file_and_flags_win(sim_env, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[filters]\ntype = "image"\n')
    env = {**sim_env, "HEDRA_TUI_CONFIG": str(config)}
    images = run_cli("list", "--limit", "30", "--json", env=env, cwd=str(tmp_path))
    assert images.returncode == 0, images.stderr
    assert {json.loads(line)["type"] for line in images.stdout.splitlines()} == {"image"}
    videos = run_cli(
        "list", "--limit", "30", "--json", "--type", "video", env=env, cwd=str(tmp_path)
    )
    assert {json.loads(line)["type"] for line in videos.stdout.splitlines()} <= {"video", "text"}
    config.write_text('[filters]\ncolour = "red"\n')
    bad = run_cli("list", env=env, cwd=str(tmp_path))
    assert bad.returncode == 2 and "unknown filter 'colour'" in bad.stderr


def test_watch_with_a_rejected_key_exits_2(sim, sim_env, tmp_path):
    env = {**sim_env, "HEDRA_API_KEY": "sk-wrong"}
    result = run_cli("watch", "any-id", env=env, cwd=str(tmp_path))
    assert result.returncode == 2
    assert "401" in result.stderr and "sk-wrong" not in result.stderr


# -- v3 -------------------------------------------------------------------------------------


def _v3_env(sim, tmp_path, *, explicit: bool) -> dict[str, str]:
    from hedra_tui.simulator.v3 import v3_credential

    env = {
        "HEDRA_BASE_URL": sim.base_url + "/v3",
        "HEDRA_API_KEY": v3_credential(sim.api_key),  # <key_id>:<secret> selects v3 by itself
        "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
    }
    if explicit:
        env["HEDRA_API_VERSION"] = "v3"
    return env


def test_list_on_v3_reads_jobs_in_full(sim, tmp_path):
    env = _v3_env(sim, tmp_path, explicit=False)
    result = run_cli("list", "--limit", "30", "--format", "json", env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    jobs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(jobs) == 30 and all(j["job_id"].startswith("job_") for j in jobs)
    assert all(j.get("prompt") for j in jobs)  # read with GET /jobs/{id}, not just listed
    table = run_cli("list", "--limit", "5", "--type", "video", env=env, cwd=str(tmp_path))
    assert table.returncode == 0, table.stderr
    assert all(" video " in line for line in table.stdout.strip().splitlines()[1:])


def test_watch_on_v3_exits_by_outcome(sim, tmp_path):
    env = _v3_env(sim, tmp_path, explicit=True)
    listed = run_cli("list", "--limit", "60", "--format", "json", env=env, cwd=str(tmp_path))
    jobs = [json.loads(line) for line in listed.stdout.splitlines()]
    done = next(j["job_id"] for j in jobs if j["status"] == "COMPLETED")
    failed = next(j["job_id"] for j in jobs if j["status"] == "FAILED")
    ok = run_cli("watch", done, "--json", env=env, cwd=str(tmp_path))
    assert ok.returncode == 0, ok.stderr
    bad = run_cli("watch", done, failed, env=env, cwd=str(tmp_path))
    assert bad.returncode == 1, bad.stderr
    unknown = run_cli("watch", "job_nope", env=env, cwd=str(tmp_path))
    assert unknown.returncode == 2


def test_sim_api_v3_prints_a_v3_set_up_that_list_can_use(tmp_path):
    import signal

    port, proc, banner = _start_sim("--api", "v3", "--count", "50")
    try:
        exported = dict(
            item.split("=", 1) for item in banner.split("export", 1)[1].split() if "=" in item
        )
        assert exported["HEDRA_BASE_URL"] == f"http://127.0.0.1:{port}/v3"
        assert exported["HEDRA_API_VERSION"] == "v3" and ":" in exported["HEDRA_API_KEY"]
        result = run_cli(
            "list",
            "--limit",
            "5",
            env={**exported, "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml")},
            cwd=str(tmp_path),
        )
        assert result.returncode == 0, result.stderr
        lines = result.stdout.strip().splitlines()
        assert len(lines) == 6 and lines[1].split()[0].startswith("job_")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


# -- a reader that stops early (`| head -1`) -------------------------------------------------

EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE, what a shell reports for `yes | head -1`


def _read_one_line_then_close(args: list[str], env: dict[str, str], cwd: str):
    """Like `hedra-tui ARGS | head -1`: the reader takes one line and goes away."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HEDRA_")} | env
    proc = subprocess.Popen(
        [sys.executable, "-m", "hedra_tui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=full_env,
        cwd=cwd,
    )
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    return first, proc.wait(timeout=60), err


@pytest.fixture(scope="module")
def big_sim():
    """2,000 finished generations: every output below is several times a pipe's 64 KiB, so
    the writer is certain to find the reader gone (the test cannot pass by luck)."""
    from hedra_tui.simulator.server import SimServer

    from ..conftest_sim import FrozenClock

    server = SimServer(count=2000, inflight=0, seed=5, drift=False, clock=FrozenClock())
    with server:
        yield server


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_list_into_a_reader_that_closes_after_one_line_exits_141_without_a_traceback(
    big_sim, tmp_path, fmt
):
    env = {
        "HEDRA_BASE_URL": big_sim.base_url,
        "HEDRA_API_KEY": big_sim.api_key,
        "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
    }
    args = ["list", "--limit", "2000", "--format", fmt]
    first, code, err = _read_one_line_then_close(args, env, str(tmp_path))
    assert first.strip()
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert err == ""
    assert code == EXIT_CLOSED_PIPE


def test_watch_into_a_reader_that_closes_after_one_line_exits_141_without_a_traceback(
    big_sim, tmp_path
):
    import httpx

    with httpx.Client(base_url=big_sim.base_url, headers={"X-API-Key": big_sim.api_key}) as c:
        ids = [
            g["id"]
            for offset in range(0, 300, 100)
            for g in c.get("/generations", params={"limit": 100, "offset": offset}).json()["data"]
        ]
    env = {
        "HEDRA_BASE_URL": big_sim.base_url,
        "HEDRA_API_KEY": big_sim.api_key,
        "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
    }
    first, code, err = _read_one_line_then_close(["watch", "--json", *ids], env, str(tmp_path))
    assert json.loads(first)["id"] in ids
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert code == EXIT_CLOSED_PIPE


# -- ids, types and model names in script output ----------------------------------------------


def _table(stdout: str) -> list[list[str]]:
    return [line.split() for line in stdout.strip().splitlines()[1:]]


def test_list_on_v3_prints_whole_job_ids_and_the_type_from_the_models_modality(sim, tmp_path):
    env = _v3_env(sim, tmp_path, explicit=True)
    listed = run_cli("list", "--limit", "12", "--json", env=env, cwd=str(tmp_path))
    ids = [json.loads(line)["job_id"] for line in listed.stdout.splitlines()]
    assert all(len(i) > 36 for i in ids)  # longer than the old cut
    table = run_cli("list", "--limit", "12", env=env, cwd=str(tmp_path))
    assert table.returncode == 0, table.stderr
    rows = _table(table.stdout)
    assert [r[0] for r in rows] == ids
    assert {r[2] for r in rows} <= {"video", "image", "audio"}


def test_watch_on_v3_prints_the_whole_job_id(sim, tmp_path):
    env = _v3_env(sim, tmp_path, explicit=True)
    listed = run_cli("list", "--limit", "40", "--json", env=env, cwd=str(tmp_path))
    done = next(
        j["job_id"]
        for j in map(json.loads, listed.stdout.splitlines())
        if j["status"] == "COMPLETED"
    )
    result = run_cli("watch", done, env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == done


def test_list_csv_gives_the_model_name_and_the_model_id_in_its_own_column(sim, sim_env, tmp_path):
    import csv
    import io

    import httpx

    with httpx.Client(base_url=sim.base_url, headers={"X-API-Key": sim.api_key}) as c:
        names = {m["id"]: m["name"] for m in c.get("/models").json()}
    result = run_cli("list", "--limit", "30", "--csv", env=sim_env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 30
    assert all(r["model_id"] in names for r in rows)
    assert all(r["model"] == names[r["model_id"]] for r in rows)


def test_list_csv_on_v3_names_the_model_and_types_the_job(sim, tmp_path):
    import csv
    import io

    env = _v3_env(sim, tmp_path, explicit=True)
    result = run_cli("list", "--limit", "10", "--format", "csv", env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert all(
        r["id"].startswith("job_") and r["type"] in ("video", "image", "audio") for r in rows
    )
    assert all(r["model_id"] and r["model"] and r["model"] != r["model_id"] for r in rows)


def test_list_csv_when_the_model_catalogue_fails_still_lists_with_model_ids(sim_factory, tmp_path):
    import csv
    import io

    from .helpers import set_fault

    s = sim_factory(count=40, inflight=0, seed=3)
    set_fault(s, "500", path="/models", count=100)
    env = {
        "HEDRA_BASE_URL": s.base_url,
        "HEDRA_API_KEY": s.api_key,
        "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
    }
    result = run_cli("list", "--limit", "5", "--csv", env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "model catalogue" in result.stderr and "Traceback" not in result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 5 and all(r["model"] == r["model_id"] for r in rows)
    assert any(r["model_id"] for r in rows)


# -- settings warnings ------------------------------------------------------------------------


def test_list_warns_about_a_misspelled_config_key_and_variable_and_still_runs(sim_env, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("intervall = 3\n")
    env = {**sim_env, "HEDRA_TUI_CONFIG": str(config), "HEDRA_TIMOUT": "3"}
    result = run_cli("list", "--limit", "3", env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 4
    assert result.stderr.splitlines() == [
        f"hedra-tui: warning: config file {config}, line 1: 'intervall' is not a setting "
        "(ignored); did you mean 'interval'?",
        "hedra-tui: warning: environment: HEDRA_TIMOUT is not a setting (ignored); "
        "did you mean HEDRA_TIMEOUT?",
    ]


def test_list_with_every_real_setting_in_the_environment_warns_about_nothing(sim_env, tmp_path):
    from hedra_tui.config import Settings, env_name

    values = {
        "api_version": "v2",
        "max_streams": "2",
        "allow_insecure": "false",
        "timeout": "10",
        "interval": "5",
        "stall_after": "60",
        "credits_every": "60",
        "notify": "all",
        "resubmit_max": "5",
        "bell": "true",
        "notify_command": "notify-send hedra-tui",
        "notify_timeout": "5",
        "theme": "nord",
        "download_dir": str(tmp_path),
        "download_name": "{id}.{ext}",
        "download_concurrency": "2",
        "download_retries": "1",
        "filters": "{}",
        "keymap": "{}",
        "columns": '["status", "prompt"]',
        "rate_share": "10%",
        "rate_cap": "60",
        "low_bandwidth": "false",
        "raw_output": "false",
        "history": "true",
        "preview": "false",
        "preview_max_mb": "4",
        "graphics": "sixel",
    }
    env = {**sim_env, **{env_name(k): v for k, v in values.items()}}
    assert {env_name(n) for n in Settings.model_fields} <= set(env)  # a new setting joins here
    env |= {"HEDRA_TUI_STATE": str(tmp_path / "s.json"), "HEDRA_KEY": "k:s"}
    result = run_cli("list", "--limit", "2", env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_without_a_key_but_with_hedra_key_set_says_which_variable_is_read(tmp_path):
    env = {"HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"), "HEDRA_KEY": "key_1:secret-9"}
    result = run_cli("list", env=env, cwd=str(tmp_path))
    assert result.returncode == 2
    assert 'export HEDRA_API_KEY="$HEDRA_KEY"' in result.stderr
    assert "secret-9" not in result.stderr


# -- config show --------------------------------------------------------------------------------

SECRET = "Zq9xW7vK2mP4tR8s"


def _config_rows(stdout: str) -> dict[str, list[str]]:
    """The table's rows as name -> [value, source], cut at the header's column starts."""
    lines = stdout.split("\n\n")[0].splitlines()
    value_at, source_at = lines[0].index("VALUE"), lines[0].index("SOURCE")
    return {
        line[:value_at].strip(): [line[value_at:source_at].strip(), line[source_at:].strip()]
        for line in lines[1:]
    }


def _no_part_of(secret: str, text: str) -> bool:
    return not any(secret[i : i + 4] in text for i in range(len(secret) - 3))


def test_config_show_names_each_settings_source_and_never_shows_the_key(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(
        'notify = "all"\ninterval = 3\ndownload_dir = "/x\\u001b[2J"\n[filters]\ntype = "video"\n'
    )
    (tmp_path / ".env").write_text("HEDRA_TIMEOUT=4\n")
    env = {
        "HEDRA_TUI_CONFIG": str(config),
        "HEDRA_TUI_STATE": str(tmp_path / "state.json"),
        "HEDRA_API_KEY": f"key_a1:{SECRET}",
        "HEDRA_THEME": "nord",
    }
    result = run_cli("--interval", "7", "config", "show", env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert _no_part_of(SECRET, result.stdout + result.stderr)
    assert "key_a1" not in result.stdout + result.stderr
    rows = _config_rows(result.stdout)
    assert rows["api_key"] == ["set", "env HEDRA_API_KEY"]
    assert rows["api_version"][0] == "v3"  # the key's <key_id>:<secret> form chose it
    assert rows["base_url"] == ["https://api.hedra.com/v3", "default for v3"]
    assert rows["interval"] == ["7.0", "flag --interval"]
    assert rows["timeout"] == ["4.0", f".env {tmp_path / '.env'} (HEDRA_TIMEOUT)"]
    assert rows["notify"] == ["all", f"config file {config}, line 1"]
    assert rows["filters"] == ["type=video", f"config file {config}, line 4"]
    assert rows["theme"] == ["nord", "env HEDRA_THEME"]
    assert rows["stall_after"] == ["180.0", "default"]
    assert f"config file: {config} (HEDRA_TUI_CONFIG)" in result.stdout
    assert rows["download_dir"][0] == "/x␛[2J" and "\x1b" not in result.stdout  # shown safely


def test_config_show_names_hedra_timeout_secs_when_it_set_the_timeout(tmp_path):
    env = {
        "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
        "HEDRA_TUI_STATE": str(tmp_path / "s.json"),
        "HEDRA_TIMEOUT_SECS": "25",  # as the official hedra-cli names it
    }
    result = run_cli("config", "show", env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert _config_rows(result.stdout)["timeout"] == ["25.0", "env HEDRA_TIMEOUT_SECS"]
    assert "HEDRA_TIMEOUT_SECS" not in result.stderr  # no warning about it
    (tmp_path / ".env").write_text("HEDRA_TIMEOUT_SECS=12\n")
    del env["HEDRA_TIMEOUT_SECS"]
    result = run_cli("config", "show", "--json", env=env, cwd=str(tmp_path))
    assert json.loads(result.stdout)["settings"]["timeout"] == {
        "value": 12.0,
        "source": f".env {tmp_path / '.env'} (HEDRA_TIMEOUT_SECS)",
    }


def test_config_show_json_from_a_config_file_key_masks_it(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(f'api_key = "{SECRET}"\nintervall = 2\n')
    config.chmod(0o600)
    env = {"HEDRA_TUI_CONFIG": str(config), "HEDRA_TUI_STATE": str(tmp_path / "s.json")}
    result = run_cli("config", "show", "--format", "json", env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert _no_part_of(SECRET, result.stdout + result.stderr)
    shown = json.loads(result.stdout)
    settings = shown["settings"]
    assert settings["api_key"] == {"value": "set", "source": f"config file {config}, line 1"}
    assert settings["api_version"]["value"] == "v2"
    assert settings["interval"] == {"value": 5.0, "source": "default"}
    assert shown["config_file"] == str(config) and shown["config_file_exists"]
    assert "did you mean 'interval'?" in shown["warnings"][0]
    assert "did you mean 'interval'?" in result.stderr  # and on stderr, like every command


def test_config_show_without_a_key_says_not_set_and_warns_about_a_bad_theme(tmp_path):
    env = {
        "HEDRA_TUI_CONFIG": str(tmp_path / "none.toml"),
        "HEDRA_TUI_STATE": str(tmp_path / "s.json"),
        "HEDRA_THEME": "drakula",
    }
    result = run_cli("config", "show", env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    rows = _config_rows(result.stdout)
    assert rows["api_key"] == ["not set", "default"]
    assert rows["theme"] == ["textual-dark", "default"]  # what the monitor will use
    assert "theme 'drakula' is not a Textual theme (ignored); did you mean 'dracula'?" in (
        result.stderr
    )


def test_list_on_v3_filters_by_several_ids(sim, tmp_path):
    env = _v3_env(sim, tmp_path, explicit=True)
    listed = run_cli("list", "--limit", "10", "--json", env=env, cwd=str(tmp_path))
    ids = [json.loads(line)["job_id"] for line in listed.stdout.splitlines()]
    picked = [ids[1], ids[4]]
    result = run_cli("list", "--ids", ",".join(picked), "--json", env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert sorted(json.loads(line)["job_id"] for line in result.stdout.splitlines()) == sorted(
        picked
    )
