"""Command line: argument parsing, exit codes and dispatch; no business logic here."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import sys
from collections.abc import Sequence

from . import __version__
from .api.errors import AuthenticationError, ConfigError, HedraError, PermissionDeniedError

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
# the reader of our output went away (`hedra-tui list | head -1`): exit as a program killed by
# SIGPIPE is reported by a shell, 128 + 13, quietly
EXIT_BROKEN_PIPE = 128 + getattr(signal, "SIGPIPE", 13)
EXIT_INTERRUPTED = 130  # Ctrl+C: 128 + SIGINT, as a shell reports it
# the shells completion.py writes a script for (that module is imported only to write one)
SHELLS = ("bash", "zsh", "fish")

# the end of `hedra-tui --help`; tests/integration/test_completion.py checks that it names every
# setting's variables and every exit code above
EPILOG = f"""\
environment (flags win over these; then ./.env, then the config file):
  HEDRA_API_KEY         the API key (never a flag); a <key_id>:<secret> key selects v3
  HEDRA_API_VERSION     v2 or v3 (--api)
  HEDRA_BASE_URL        API base URL (--base-url)
  HEDRA_TIMEOUT         request timeout, s (--timeout; default 10); the official
                        hedra-cli's HEDRA_TIMEOUT_SECS is read too (HEDRA_TIMEOUT wins)
  HEDRA_INTERVAL        poll interval, s (--interval; default 5)
  HEDRA_ALLOW_INSECURE  send the key over plain http to a remote host (--allow-insecure)
  HEDRA_STALL_AFTER     'stalled?' after no progress for this many s (default 180)
  HEDRA_CREDITS_EVERY   credit balance refresh, s (default 60)
  HEDRA_NOTIFY          which endings toast: watched (default), all, none
  HEDRA_BELL            ring the terminal bell with those toasts (default false)
  HEDRA_NOTIFY_COMMAND  a command run when those jobs (or a watched batch) end; their
                        facts in HEDRA_JOB_* variables, never the API key
  HEDRA_NOTIFY_TIMEOUT  seconds before that command is killed (default 10)
  HEDRA_THEME           a Textual theme (default: the last one chosen)
  HEDRA_DOWNLOAD_DIR    where exports and downloads go (--download-dir; default: the
                        working directory)
  HEDRA_DOWNLOAD_NAME   downloaded files' name template (default
                        {{created:%Y%m%d-%H%M}}_{{model}}_{{prompt:.40}}_{{id:.8}}.{{ext}})
  HEDRA_DOWNLOAD_CONCURRENCY  files downloaded at once (default 3)
  HEDRA_DOWNLOAD_RETRIES      retries of a file after a 5xx or a timeout (default 3)
  HEDRA_MAX_STREAMS     v3: jobs followed live at once (default 4)
  HEDRA_RATE_SHARE      share of the key's stated rate limit the monitor uses (default 10%)
  HEDRA_RATE_CAP        requests a minute where the API states no limit (default 60)
  HEDRA_LOW_BANDWIDTH   a slow link: fewer, merged screen updates (--low-bandwidth)
  HEDRA_RAW_OUTPUT      write Textual's own output, not only the changed cells
  HEDRA_HISTORY         keep a local history of the jobs seen (default true; --no-cache)
  HEDRA_TUI_DATA        where the history files are (default: the user data directory)
  HEDRA_RESUBMIT_MAX    jobs a group resubmit (R in the errors view) sends at most (20)
  HEDRA_PREVIEW         pictures in the detail pane (default true; P toggles)
  HEDRA_PREVIEW_MAX_MB  a picture larger than this is not loaded (default 8)
  HEDRA_GRAPHICS        how pictures are drawn: auto, kitty, iterm2, sixel, halfblocks
                        (--graphics; default auto)
  HEDRA_FILTERS, HEDRA_KEYMAP, HEDRA_COLUMNS
                        JSON; usually set in the config file as [filters], [keymap], columns
  HEDRA_TUI_CONFIG      the config file (`hedra-tui config path` prints it)
  HEDRA_TUI_STATE       where choices made in the app (the theme) are kept
  NO_COLOR              no colors (icons and words still say everything)
  `hedra-tui config show` prints each setting's value and where it came from.

exit codes:
  {EXIT_OK}    ok (watch: every job completed)
  {EXIT_API_ERROR}    the API failed (network, 5xx, a bad payload); watch: a job failed
  {EXIT_USAGE}    usage, configuration or authentication (401/403) error
  {EXIT_INTERRUPTED}  interrupted (Ctrl+C)
  {EXIT_BROKEN_PIPE}  the reader of the output went away (`hedra-tui list --json | head -1`)

shell completion: `hedra-tui completion bash|zsh|fish` prints a script (see its first lines).
"""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def _add_connection_flags(parser: argparse.ArgumentParser, *, sub: bool = False) -> None:
    """Flags accepted before and after the command; on a command their defaults are
    suppressed so that `hedra-tui --demo list` and `hedra-tui list --demo` mean the same."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if sub else value

    group = parser.add_argument_group("connection")
    group.add_argument(
        "--base-url",
        default=default(None),
        help="API base URL (env HEDRA_BASE_URL; default the Hedra API of the chosen version)",
    )
    group.add_argument(
        "--api",
        choices=("v2", "v3"),
        default=default(None),
        help="API version (env HEDRA_API_VERSION; default v2, or v3 for a <key_id>:<secret> key)",
    )
    group.add_argument(
        "--allow-insecure",
        action="store_true",
        default=default(None),
        help="allow sending the API key over plain http to a non-loopback host",
    )
    group.add_argument(
        "--timeout", type=float, default=default(None), help="request timeout, s (default 10)"
    )
    group.add_argument(
        "--demo",
        action="store_true",
        default=default(False),
        help="run against the built-in simulator (no key needed)",
    )
    group.add_argument(
        "--no-cache",
        action="store_true",
        default=default(False),
        help="keep no local history of the jobs seen (setting: history = false)",
    )
    group.add_argument(
        "--count", type=int, default=default(5000), help="--demo: generations in history"
    )
    group.add_argument("--inflight", type=int, default=default(20), help="--demo: jobs in flight")
    group.add_argument("--seed", type=int, default=default(7), help="--demo: random seed")
    group.add_argument(
        "--speed", type=float, default=default(1.0), help="--demo: time acceleration factor"
    )


def _add_filter_flags(parser: argparse.ArgumentParser, *, sub: bool = False) -> None:
    group = parser.add_argument_group("filters (server side)")
    default = argparse.SUPPRESS if sub else None
    group.add_argument(
        "--type", default=default, help="asset or generation type (video, image, audio, ...)"
    )
    group.add_argument(
        "--created-after", default=default, help="ISO date, an age like 2h / 3d, or yesterday"
    )
    group.add_argument(
        "--created-before", default=default, help="ISO date, an age like 2h / 3d, or yesterday"
    )
    group.add_argument("--prompt-query", default=default, help="text the prompt contains")
    group.add_argument("--agent-thread-id", default=default, help="agent thread id")
    group.add_argument("--ids", default=default, help="comma-separated generation ids")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hedra-tui",
        description="Terminal monitor for Hedra generations. Without a command: the monitor.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hedra-tui {__version__}")
    _add_connection_flags(parser)
    _add_filter_flags(parser)
    parser.add_argument("--interval", type=float, help="poll interval in seconds (default 5)")
    parser.add_argument(
        "--low-bandwidth",
        action="store_true",
        default=None,
        help="a slow link (e.g. SSH over a phone): fewer screen updates, merged; keys first",
    )
    parser.add_argument(
        "--graphics",
        choices=("auto", "kitty", "iterm2", "sixel", "halfblocks"),
        default=None,
        help="how pictures are drawn (default auto: from TERM, TERM_PROGRAM, KITTY_WINDOW_ID; "
        "half-blocks inside tmux/screen or when unsure)",
    )
    parser.add_argument(
        "--download-dir",
        metavar="DIR",
        help="where downloads and exports go (env HEDRA_DOWNLOAD_DIR; default the working "
        "directory)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p_list = sub.add_parser("list", help="print generations (table or JSON lines)")
    _add_connection_flags(p_list, sub=True)
    _add_filter_flags(p_list, sub=True)
    p_list.add_argument("--limit", type=_positive_int, default=20, help="how many (default 20)")
    p_list.add_argument("--offset", type=int, default=0, help="skip this many first")
    p_list.add_argument("--json", action="store_true", help="one JSON object per line")
    p_list.add_argument("--csv", action="store_true", help="CSV (same as --format csv)")
    p_list.add_argument(
        "--format",
        choices=("table", "json", "csv"),
        default=None,
        help="table (default), json (one object per line) or csv",
    )

    p_watch = sub.add_parser(
        "watch", help="follow generations until they finish (exit 0 all complete, 1 any failed)"
    )
    _add_connection_flags(p_watch, sub=True)
    p_watch.add_argument("ids", nargs="+", metavar="ID", help="generation ids")
    p_watch.add_argument("--json", action="store_true", help="JSON lines instead of text")
    p_watch.add_argument(
        "--interval",
        dest="watch_interval",
        type=float,
        default=None,
        help="seconds between polls (default: the interval setting, 5)",
    )

    p_config = sub.add_parser("config", help="the config file and the effective settings")
    p_config.add_argument(
        "action",
        choices=("path", "show"),
        help="path: where the file is; show: each setting, its value and where it came from",
    )
    p_config.add_argument(
        "--format", choices=("table", "json"), default=None, help="show: table (default) or json"
    )
    p_config.add_argument("--json", action="store_true", help="show: same as --format json")

    p_db = sub.add_parser("db", help="the local history database of this base URL and key")
    _add_connection_flags(p_db, sub=True)
    p_db.add_argument(
        "action",
        choices=("path", "stats", "vacuum", "forget"),
        help="path: where it is; stats: what it holds; vacuum: compact it; forget: delete it",
    )
    p_db.add_argument("--yes", action="store_true", help="forget: without asking")

    p_stats = sub.add_parser("stats", help="what the history says: per model and type")
    _add_connection_flags(p_stats, sub=True)
    p_stats.add_argument(
        "--range", choices=("today", "24h", "7d", "all"), default="24h", help="default 24h"
    )
    p_stats.add_argument(
        "--format", choices=("table", "json", "csv"), default=None, help="table (default)"
    )

    p_sim = sub.add_parser("sim", help="run the local Hedra API simulator")
    from .simulator.cli import add_sim_arguments

    add_sim_arguments(p_sim)

    p_completion = sub.add_parser(
        "completion", help="print a shell completion script (bash, zsh or fish)"
    )
    p_completion.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    return parser


def _fail(message: str, code: int) -> int:
    print(f"hedra-tui: error: {message}", file=sys.stderr)
    return code


def _exit_code_for(exc: HedraError) -> int:
    if isinstance(exc, ConfigError | AuthenticationError | PermissionDeniedError):
        return EXIT_USAGE
    return EXIT_API_ERROR


def _closed_pipe() -> int:
    """stdout's reader is gone: nothing more can be written, not even what is buffered.
    Point stdout at /dev/null so the interpreter's last flush does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return EXIT_BROKEN_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = _dispatch(args)
        sys.stdout.flush()  # inside the try: a reader gone by now is still a closed pipe
        return code
    except BrokenPipeError:
        return _closed_pipe()
    except HedraError as exc:
        return _fail(exc.message, _exit_code_for(exc))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "completion":
        from .completion import script

        sys.stdout.write(script(args.shell, build_parser()))
        return EXIT_OK
    if args.command == "sim":
        from .simulator.cli import run_sim

        return run_sim(args)
    if args.command in ("db", "stats"):
        from .commands.history_cmd import run_db, run_stats

        return run_db(args) if args.command == "db" else run_stats(args)
    if args.command == "config":
        from .commands.config_cmd import run_config
        from .ui.settings_check import UiChecks

        return run_config(args, UiChecks())
    if args.command == "watch":
        from .commands.watch_cmd import run_watch

        return asyncio.run(run_watch(args))
    if args.command == "list":
        from .commands.list_cmd import run_list

        return asyncio.run(run_list(args))
    # the monitor: no garbage collection while it starts (what it imports and builds lives as
    # long as it does: ~150 collections found nothing to free, ~60 ms); it collects again
    # once its first frame is up (ui/run.py)
    gc.disable()
    try:
        from .ui.run import run_app

        return run_app(args)
    finally:
        gc.enable()  # (for a start that ended before the first frame)


if __name__ == "__main__":
    sys.exit(main())
