"""Shell completion for bash, zsh and fish, written from the argument parser itself, so the
scripts offer the same commands, flags and choices as ``--help`` does (``hedra-tui completion``).
"""

from __future__ import annotations

import argparse
import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from .cli import SHELLS as SHELLS  # the shells the `completion` command accepts

# what may go unquoted into a script: flags, command names and choices are all like this
_WORD = re.compile(r"^[A-Za-z0-9_.:/+-]+$")


@dataclass(frozen=True)
class Option:
    """One flag (with its other spellings) of a command."""

    flags: tuple[str, ...]
    help: str
    takes_value: bool
    choices: tuple[str, ...] = ()
    repeats: bool = False  # action="append": may be given more than once


@dataclass(frozen=True)
class Command:
    """The program itself (``name`` empty) or one of its commands."""

    name: str
    help: str
    options: tuple[Option, ...]
    words: tuple[str, ...] = ()  # what its positional argument accepts (config: path, show)
    takes_words: bool = False  # it has a positional argument (watch: ids; config: an action)


@dataclass(frozen=True)
class CLI:
    prog: str
    top: Command
    commands: tuple[Command, ...]

    def value_options(self, command: Command) -> list[str]:
        return [f for o in command.options if o.takes_value for f in o.flags]


def _word(text: str) -> str:
    if not _WORD.match(text):
        raise ValueError(f"{text!r} cannot go into a completion script unquoted")
    return text


def _help_text(action: argparse.Action, prog: str) -> str:
    text = action.help or ""
    if "%" in text:  # argparse expands %(default)s and friends in help texts
        with contextlib.suppress(KeyError, TypeError, ValueError):
            text = text % {**vars(action), "prog": prog}
    return " ".join(text.split())


def _command(name: str, help: str, parser: argparse.ArgumentParser) -> Command:
    options: list[Option] = []
    words: tuple[str, ...] = ()
    takes_words = False
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
            continue
        choices = tuple(_word(str(c)) for c in action.choices or ())
        if not action.option_strings:
            takes_words = True
            words += choices
            continue
        options.append(
            Option(
                flags=tuple(_word(f) for f in action.option_strings),
                help=_help_text(action, parser.prog),
                takes_value=action.nargs != 0,
                choices=choices,
                repeats=isinstance(action, argparse._AppendAction),
            )
        )
    return Command(_word(name) if name else "", help, tuple(options), words, takes_words)


def describe(parser: argparse.ArgumentParser) -> CLI:
    """The commands, flags and choices of ``parser`` and of its sub-commands."""
    commands: list[Command] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                commands.append(_command(name, " ".join(helps.get(name, "").split()), sub))
    return CLI(parser.prog, _command("", parser.description or "", parser), tuple(commands))


def script(shell: str, parser: argparse.ArgumentParser) -> str:
    """The completion script for ``shell`` (one of :data:`SHELLS`)."""
    writers: dict[str, Callable[[CLI], str]] = {"bash": bash, "zsh": zsh, "fish": fish}
    return writers[shell](describe(parser))


def _function_name(prog: str) -> str:
    return "_" + re.sub(r"\W", "_", prog)


# -- bash ------------------------------------------------------------------------------------


def bash(cli: CLI) -> str:
    func = _function_name(cli.prog)
    names = [c.name for c in cli.commands]
    skip = "|".join(cli.value_options(cli.top))
    values: list[str] = []  # "command flag": its choices; a value of the user's own: nothing
    for command in (cli.top, *cli.commands):
        free: list[str] = []
        for option in command.options:
            patterns = [f'"{command.name} {flag}"' for flag in option.flags]
            if option.takes_value and option.choices:
                offer = f'COMPREPLY=($(compgen -W "{" ".join(option.choices)}" -- "$cur"))'
                values.append(f"        {'|'.join(patterns)}) {offer}; return 0 ;;")
            elif option.takes_value:
                free += patterns
        if free:
            values.append(f"        {'|'.join(free)}) return 0 ;;")
    words: list[str] = []
    for command in (cli.top, *cli.commands):
        flags = " ".join(f for o in command.options for f in o.flags)
        positional = " ".join(names) if command is cli.top else " ".join(command.words)
        words.append(f'        "{command.name}") flags="{flags}"; positional="{positional}" ;;')
    return "\n".join(
        [
            f"# bash completion for {cli.prog}; written by `{cli.prog} completion bash`",
            f"# load it in ~/.bashrc with:  source <({cli.prog} completion bash)",
            f"{func}() {{",
            "    local cur prev cmd i flags positional",
            "    COMPREPLY=()",
            '    cur="${COMP_WORDS[COMP_CWORD]}"',
            '    prev=""',
            '    (( COMP_CWORD > 0 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"',
            "    # --flag=value: bash makes '=' a word of its own",
            '    if [[ "$cur" == "=" ]]; then',
            '        cur=""',
            '    elif [[ "$prev" == "=" ]] && (( COMP_CWORD > 1 )); then',
            '        prev="${COMP_WORDS[COMP_CWORD-2]}"',
            "    fi",
            '    cmd=""',
            "    for (( i = 1; i < COMP_CWORD; i++ )); do",
            '        case "${COMP_WORDS[i]}" in',
            *([f"            {skip}) (( i++ )) ;;"] if skip else []),
            f'            {"|".join(names)}) cmd="${{COMP_WORDS[i]}}"; break ;;',
            "        esac",
            "    done",
            '    case "$cmd $prev" in',
            *values,
            "    esac",
            '    case "$cmd" in',
            *words,
            "    esac",
            '    if [[ "$cur" == -* ]]; then',
            '        COMPREPLY=($(compgen -W "$flags" -- "$cur"))',
            "    else",
            '        COMPREPLY=($(compgen -W "$positional" -- "$cur"))',
            "    fi",
            "    return 0",
            "}",
            f"complete -F {func} {cli.prog}",
            "",
        ]
    )


# -- zsh -------------------------------------------------------------------------------------


def _zsh_text(text: str) -> str:
    """A description inside a single-quoted _arguments spec."""
    text = text.replace("\\", "/").replace("[", "(").replace("]", ")").replace(":", "\\:")
    return text.replace("'", "'\\''")


def _zsh_specs(command: Command) -> list[str]:
    specs: list[str] = []
    for option in command.options:
        for flag in option.flags:
            star = "*" if option.repeats else ""
            spec = f"{star}{flag}"
            if option.takes_value:
                action = f"({' '.join(option.choices)})" if option.choices else " "
                spec += f"=[{_zsh_text(option.help)}]:value:{action}"
            else:
                spec += f"[{_zsh_text(option.help)}]"
            specs.append(f"'{spec}'")
    return specs


def zsh(cli: CLI) -> str:
    func = _function_name(cli.prog)
    described = [f"    '{c.name}:{_zsh_text(c.help)}'" for c in cli.commands]
    cases: list[str] = []
    for command in cli.commands:
        specs = _zsh_specs(command)
        if command.words:
            specs.append(f"'1:{command.name}:({' '.join(command.words)})'")
        elif command.takes_words:
            specs.append("'*:argument: '")
        joined = " \\\n            ".join(specs)
        cases.append(f"        {command.name})\n          _arguments \\\n            {joined} ;;")
    top = " \\\n    ".join(_zsh_specs(cli.top))
    return "\n".join(
        [
            f"#compdef {cli.prog}",
            f"# zsh completion for {cli.prog}; written by `{cli.prog} completion zsh`",
            f"# load it in ~/.zshrc (after compinit) with:  source <({cli.prog} completion zsh)",
            f"# or save it as _{cli.prog} in a directory of your $fpath",
            f"{func}() {{",
            '  local curcontext="$curcontext" state line',
            "  typeset -A opt_args",
            "  local -a commands",
            "  commands=(",
            *described,
            "  )",
            "  _arguments -C \\",
            f"    {top} \\",
            "    '1: :->command' \\",
            "    '*:: :->args'",
            "  case $state in",
            "    command)",
            f"      _describe -t commands '{cli.prog} command' commands ;;",
            "    args)",
            "      case $line[1] in",
            *cases,
            "      esac ;;",
            "  esac",
            "}",
            'if [[ "${zsh_eval_context[-1]}" == loadautofunc ]]; then',
            f'  {func} "$@"',
            "else",
            f"  compdef {func} {cli.prog}",
            "fi",
            "",
        ]
    )


# -- fish ------------------------------------------------------------------------------------


def _fish_text(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_option(prog: str, condition: str, option: Option) -> str:
    parts = [f"complete -c {prog} -n {condition}"]
    for flag in option.flags:
        parts.append(f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}")
    if option.takes_value:
        parts.append("-x")  # takes a value, and no file name
        if option.choices:
            parts.append(f"-a {_fish_text(' '.join(option.choices))}")
    parts.append(f"-d {_fish_text(option.help)}")
    return " ".join(parts)


def fish(cli: CLI) -> str:
    names = " ".join(c.name for c in cli.commands)
    top = f"'not __fish_seen_subcommand_from {names}'"
    lines = [
        f"# fish completion for {cli.prog}; written by `{cli.prog} completion fish`",
        f"# load it with:  {cli.prog} completion fish | source",
        f"# or save it as ~/.config/fish/completions/{cli.prog}.fish",
        f"complete -c {cli.prog} -f",
    ]
    for command in cli.commands:
        lines.append(
            f"complete -c {cli.prog} -n {top} -a {command.name} -d {_fish_text(command.help)}"
        )
    lines += [_fish_option(cli.prog, top, o) for o in cli.top.options]
    for command in cli.commands:
        seen = f"'__fish_seen_subcommand_from {command.name}'"
        if command.words:
            words = _fish_text(" ".join(command.words))
            lines.append(f"complete -c {cli.prog} -n {seen} -a {words}")
        lines += [_fish_option(cli.prog, seen, o) for o in command.options]
    return "\n".join([*lines, ""])
