"""Shell completion scripts (run in real shells) and the end of ``--help``."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hedra_tui.cli import build_parser
from hedra_tui.completion import SHELLS, describe, script
from hedra_tui.config import Settings, env_names


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEDRA_")}
    return subprocess.run(
        [sys.executable, "-m", "hedra_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = _cli("completion", "bash")
    assert result.returncode == 0, result.stderr
    path = tmp_path_factory.mktemp("completion") / "hedra-tui.bash"
    path.write_text(result.stdout)
    return path


def complete_in_bash(
    script_path: Path, words: list[str], function: str = "_hedra_tui"
) -> list[str]:
    """What bash offers for the last of ``words``, as if Tab was pressed after them."""
    if not shutil.which("bash"):
        pytest.skip("bash is not installed")
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    program = (
        f"source '{script_path}'\n"
        f"COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}\n"
        f"{function}\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return [line for line in done.stdout.splitlines() if line]


def test_each_shell_gets_a_script_naming_every_command():
    commands = [c.name for c in describe(build_parser()).commands]
    assert commands == ["list", "watch", "config", "db", "stats", "sim", "completion"]
    for shell in SHELLS:
        result = _cli("completion", shell)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert result.stdout.startswith(("# ", "#compdef"))
        for command in commands:
            assert command in result.stdout, (shell, command)
    assert _cli("completion", "tcsh").returncode == 2  # an unknown shell is a usage error


def test_the_bash_script_is_valid_bash(bash_script):
    if not shutil.which("bash"):
        pytest.skip("bash is not installed")
    done = subprocess.run(["bash", "-n", str(bash_script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        (["hedra-tui", ""], ["list", "watch", "config", "db", "stats", "sim", "completion"]),
        (["hedra-tui", "li"], ["list"]),
        (["hedra-tui", "--ap"], ["--api"]),
        (["hedra-tui", "--api", ""], ["v2", "v3"]),
        (["hedra-tui", "--api", "="], ["v2", "v3"]),  # --api=<Tab>: bash splits at "="
        (["hedra-tui", "--api", "=", ""], ["v2", "v3"]),
        (["hedra-tui", "--api", "=", "v"], ["v2", "v3"]),
        (["hedra-tui", "--timeout", "5", "co"], ["config", "completion"]),
        (["hedra-tui", "--prompt-query", "config", "li"], ["list"]),  # a value, not a command
        (["hedra-tui", "--timeout", ""], []),  # a number of the user's own: nothing to offer
        (["hedra-tui", "list", "--f"], ["--format"]),
        (["hedra-tui", "list", "--format", ""], ["table", "json", "csv"]),
        (["hedra-tui", "--demo", "list", "--li"], ["--limit"]),
        (["hedra-tui", "config", ""], ["path", "show"]),
        (["hedra-tui", "config", "--format", "j"], ["json"]),
        (["hedra-tui", "completion", ""], ["bash", "zsh", "fish"]),
        (["hedra-tui", "sim", "--no"], ["--no-drift"]),
    ],
)
def test_bash_completes_commands_flags_and_choices(bash_script, words, offered):
    assert complete_in_bash(bash_script, words) == offered


def test_bash_offers_every_flag_of_every_command(bash_script):
    cli = describe(build_parser())
    for command in (cli.top, *cli.commands):
        words = ["hedra-tui", *([command.name] if command.name else []), "-"]
        flags = {f for o in command.options for f in o.flags}
        assert set(complete_in_bash(bash_script, words)) == flags, command.name


def test_the_scripts_follow_the_parser_they_are_written_from(tmp_path):
    parser = argparse.ArgumentParser(prog="toy")
    parser.add_argument("--colour", choices=("red", "blue"))
    sub = parser.add_subparsers(dest="command")
    paint = sub.add_parser("paint", help="paint it")
    paint.add_argument("--brush", choices=("flat", "round"))
    path = tmp_path / "toy.bash"
    path.write_text(script("bash", parser))
    assert complete_in_bash(path, ["toy", ""], "_toy") == ["paint"]
    assert complete_in_bash(path, ["toy", "--colour", ""], "_toy") == ["red", "blue"]
    assert complete_in_bash(path, ["toy", "paint", "--brush", "r"], "_toy") == ["round"]
    assert "'--brush=[" in script("zsh", parser) and "-l brush" in script("fish", parser)


def test_the_zsh_script_is_valid_zsh_and_registers_its_function(tmp_path):
    if not shutil.which("zsh"):
        pytest.skip("zsh is not installed")
    path = tmp_path / "_hedra-tui"
    path.write_text(_cli("completion", "zsh").stdout)
    done = subprocess.run(["zsh", "-n", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    program = f"autoload -U compinit; compinit -u -d {tmp_path}/zcd; source {path}; "
    program += "print -r -- $_comps[hedra-tui]"
    done = subprocess.run(["zsh", "-f", "-c", program], capture_output=True, text=True, timeout=30)
    assert done.stdout.strip() == "_hedra_tui", done.stderr


def test_fish_completes_commands_flags_and_choices(tmp_path):
    if not shutil.which("fish"):
        pytest.skip("fish is not installed")
    path = tmp_path / "hedra-tui.fish"
    path.write_text(_cli("completion", "fish").stdout)

    def complete(line: str) -> list[str]:
        done = subprocess.run(
            ["fish", "--no-config", "-c", f"source {path}; complete -C '{line}'"],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "HOME": str(tmp_path)},
        )
        assert done.returncode == 0, done.stderr
        return sorted(line.split("\t")[0] for line in done.stdout.splitlines())

    assert complete("hedra-tui li") == ["list"]
    assert complete("hedra-tui list --format ") == ["csv", "json", "table"]
    assert complete("hedra-tui --api ") == ["v2", "v3"]
    assert complete("hedra-tui config ") == ["path", "show"]


def test_help_ends_with_every_settings_variable_and_every_exit_code():
    result = _cli("--help")
    assert result.returncode == 0, result.stderr
    epilog = result.stdout.split("\nenvironment", 1)[1]  # after the flags
    for name in Settings.model_fields:
        for variable in env_names(name):
            assert variable in epilog, variable
    assert "HEDRA_TIMEOUT_SECS" in epilog and "HEDRA_TUI_CONFIG" in epilog
    codes = epilog.split("exit codes:", 1)[1]
    for code in (0, 1, 2, 130, 141):
        assert f"\n  {code} " in codes, code
