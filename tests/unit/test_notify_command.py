"""notify_command: real child processes, a script that records its environment, the key kept
out, failures said once, a hanging command killed with its process group at the timeout."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import sys
import time
from pathlib import Path

import pytest

from hedra_tui.api.errors import ConfigError
from hedra_tui.config import load_settings
from hedra_tui.state.notify_command import NotifyRunner, child_environment, event_env

KEY = "sk-hedra-secret-0123456789"

RECORDER = """\
import json, os, sys
with open(sys.argv[1], "a") as out:
    out.write(json.dumps(dict(os.environ)) + "\\n")
"""

SPAWNER = """\
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
open(sys.argv[1], "w").write(str(child.pid))
time.sleep(60)
"""


def _command(*argv: object) -> str:
    return shlex.join([sys.executable, *map(str, argv)])


def _records(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (killed, not yet reaped by its parent) counts as gone
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_recorded_environment_has_the_event_and_not_the_key(tmp_path):
    script = tmp_path / "record.py"
    script.write_text(RECORDER)
    out = tmp_path / "env.jsonl"
    base = {
        "PATH": os.environ.get("PATH", ""),
        "HEDRA_API_KEY": KEY,
        "MY_COPY_OF_IT": f"token={KEY}",
        "HEDRA_JOB_ID": "stale-from-the-parent",
        "KEEP_ME": "yes",
    }
    event = event_env(
        {
            "HEDRA_EVENT": "job.completed",
            "HEDRA_JOB_ID": "abc",
            "HEDRA_JOB_STATUS": "complete",
            "HEDRA_JOB_PROMPT": "a fox\x1b]52;c;AAAA\x07 " + "x" * 5000,
            "HEDRA_JOB_URL": "https://cdn.example/a.mp4",
        }
    )

    async def main() -> None:
        runner = NotifyRunner(_command(script, out), timeout=10, secrets=[KEY], base_env=base)
        result = await runner.run(event)
        assert result.ok, result

    asyncio.run(main())
    [env] = _records(out)
    assert env["HEDRA_JOB_ID"] == "abc"  # the event's, not the parent's stale value
    assert env["HEDRA_JOB_STATUS"] == "complete"
    assert env["HEDRA_JOB_URL"] == "https://cdn.example/a.mp4"
    assert env["KEEP_ME"] == "yes"
    assert "HEDRA_API_KEY" not in env and "MY_COPY_OF_IT" not in env
    assert not any(KEY in value for value in env.values())
    prompt = env["HEDRA_JOB_PROMPT"]
    assert "\x1b" not in prompt and "\x07" not in prompt and len(prompt) <= 200
    assert json.loads(env["HEDRA_EVENT_JSON"])["job_id"] == "abc"


def test_a_v3_keys_secret_part_is_scrubbed_too():
    env = child_environment(
        {"A": "key_abc:s3cr3t-value-123", "B": "s3cr3t-value-123", "C": "fine"},
        {},
        ["key_abc:s3cr3t-value-123"],
    )
    assert env == {"C": "fine"}


def test_a_failing_command_is_said_once_until_it_works_again(tmp_path):
    said: list[str] = []
    flag = tmp_path / "ok"
    script = tmp_path / "maybe.py"
    script.write_text(
        "import sys, pathlib\n"
        "if not pathlib.Path(sys.argv[1]).exists():\n"
        "    print('webhook said no', file=sys.stderr); sys.exit(3)\n"
    )

    async def main() -> None:
        runner = NotifyRunner(_command(script, flag), timeout=10, on_problem=said.append)
        await runner.run({})
        await runner.run({})
        assert len(said) == 1 and "exit 3" in said[0] and "webhook said no" in said[0]
        flag.touch()
        assert (await runner.run({})).ok
        flag.unlink()
        await runner.run({})  # broken again after a success: said again
        assert len(said) == 2

    asyncio.run(main())


def test_a_missing_program_is_said_in_words():
    said: list[str] = []

    async def main() -> None:
        runner = NotifyRunner("no-such-program-xyz --flag", timeout=5, on_problem=said.append)
        result = await runner.run({})
        assert not result.ok and result.kind == "not found"

    asyncio.run(main())
    assert said == ["notify_command: no-such-program-xyz not found"]


def test_a_hanging_command_is_killed_with_what_it_started_at_the_timeout(tmp_path):
    script = tmp_path / "hang.py"
    script.write_text(SPAWNER)
    pid_file = tmp_path / "child.pid"
    said: list[str] = []

    async def main() -> float:
        runner = NotifyRunner(_command(script, pid_file), timeout=1.5, on_problem=said.append)
        started = time.monotonic()
        result = await runner.run({})
        assert result.kind == "timeout"
        return time.monotonic() - started

    took = asyncio.run(main())
    assert took < 1.5 + 3  # the timeout and the kill's grace, not the child's 60 s
    assert said and "killed" in said[0]
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 3
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_runs_are_detached_from_the_terminal(tmp_path):
    """Its own session, stdin and stdout not ours: nothing it does reaches the screen."""
    out = tmp_path / "facts.json"
    script = tmp_path / "facts.py"
    script.write_text(
        "import json, os, sys\n"
        "json.dump({'sid': os.getsid(0), 'pid': os.getpid(),"
        " 'stdin': os.readlink('/proc/self/fd/0'), 'stdout': os.readlink('/proc/self/fd/1')},"
        " open(sys.argv[1], 'w'))\n"
        "print('this goes nowhere')\n"
    )

    async def main() -> None:
        runner = NotifyRunner(_command(script, out), timeout=10)
        assert (await runner.run({})).ok

    asyncio.run(main())
    facts = json.loads(out.read_text())
    assert facts["sid"] == facts["pid"] != os.getsid(0)
    assert facts["stdin"] == facts["stdout"] == "/dev/null"


def test_at_most_a_few_run_at_once(tmp_path):
    script = tmp_path / "slow.py"
    script.write_text("import time; time.sleep(0.4)\n")

    async def main() -> int:
        runner = NotifyRunner(_command(script), timeout=10, max_at_once=2)
        most = 0
        for _ in range(5):
            runner.submit({})
        while len(runner.results) < 5:
            most = max(most, runner.running)
            await asyncio.sleep(0.02)
        return most

    assert asyncio.run(main()) == 2


def test_the_setting_is_read_from_file_and_environment(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text("notify_command = '''sh -c 'notify-send \"$HEDRA_SUMMARY\"' '''\n")
    monkeypatch.setenv("HEDRA_TUI_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)
    assert load_settings().notify_command == "sh -c 'notify-send \"$HEDRA_SUMMARY\"' "
    monkeypatch.setenv("HEDRA_NOTIFY_COMMAND", "notify-send hedra")
    monkeypatch.setenv("HEDRA_NOTIFY_TIMEOUT", "3")
    settings = load_settings()
    assert (settings.notify_command, settings.notify_timeout) == ("notify-send hedra", 3.0)
    monkeypatch.setenv("HEDRA_NOTIFY_COMMAND", "notify-send 'unclosed")
    with pytest.raises(ConfigError, match=r"notify_command.*cannot split"):
        load_settings()


def test_the_readme_examples_are_valid_toml_and_split_into_sh_c():
    import re
    import tomllib

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```toml\n(.*?)```", readme, re.S) if "notify_command" in b]
    assert len(blocks) == 2  # notify-send and a chat webhook with curl
    from hedra_tui.state.notify_command import parse_command

    for block in blocks:
        argv = parse_command(tomllib.loads(block)["notify_command"])
        assert argv[:2] == ["sh", "-c"] and len(argv) == 3
    assert "notify-send" in blocks[0] and "curl" in blocks[1]
