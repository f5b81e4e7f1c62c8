"""Settings: flags > environment (HEDRA_*) > .env in the working directory > config file > defaults.

The config file is TOML at ``config_path()`` (``$HEDRA_TUI_CONFIG`` overrides where it is).
The API key is a ``SecretStr``: it never appears in a repr, a log line or an error.
:func:`origins` says where each value came from; :func:`settings_warnings` names what is
ignored (a misspelled key, a ``HEDRA_`` variable that is no setting) with the closest match.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shlex
import stat
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from .api.errors import ConfigError
from .state.naming import DEFAULT_TEMPLATE, check_template

DEFAULT_BASE_URL = "https://api.hedra.com/web-app/public"
APP_NAME = "hedra-tui"
ENV_PREFIX = "HEDRA_"
DOTENV = ".env"
# read besides the settings: where the config and state files are
PATH_ENV = ("HEDRA_TUI_CONFIG", "HEDRA_TUI_STATE", "HEDRA_TUI_DATA")
# Hedra's own v3 examples export the key as HEDRA_KEY: not ours, and not a misspelling of ours
FOREIGN_ENV = ("HEDRA_KEY",)
FILTER_NAMES = ("type", "created_after", "created_before", "prompt_query", "agent_thread_id", "ids")
# the official hedra-cli reads its request timeout from HEDRA_TIMEOUT_SECS: accept it too
# (HEDRA_TIMEOUT wins when both are set: the first name found, in this order)
TIMEOUT_ENV = AliasChoices("HEDRA_TIMEOUT", "HEDRA_TIMEOUT_SECS")


def config_path() -> Path:
    """Where the config file lives (it need not exist)."""
    override = os.environ.get("HEDRA_TUI_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def state_path() -> Path:
    """Where remembered choices (the theme) are kept: not the user's config file."""
    override = os.environ.get("HEDRA_TUI_STATE")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_state_dir(APP_NAME)) / "state.json"


def remembered(key: str) -> Any:
    try:
        return json.loads(state_path().read_text(encoding="utf-8")).get(key)
    except (OSError, ValueError, AttributeError):
        return None


def remember(key: str, value: Any) -> None:
    """Best effort: a read-only home must not break the monitor."""
    path = state_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        if not isinstance(data, dict):
            data = {}
        data[key] = value
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    except (OSError, ValueError):
        pass


class Settings(BaseSettings):
    """Everything the CLI and the monitor can be told."""

    model_config = SettingsConfigDict(
        env_prefix="HEDRA_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
        # flags and the config file set a setting by its name; the environment by HEDRA_<NAME>
        # or, where a field has a validation alias, by one of the alias's names
        validate_by_name=True,
    )

    api_key: SecretStr | None = None
    api_version: Literal["v2", "v3"] | None = None  # None: v3 for a <key_id>:<secret> key
    base_url: str = DEFAULT_BASE_URL  # when not set, follows the API version
    max_streams: int = Field(default=4, ge=0, le=32, description="v3: live job streams at once")
    allow_insecure: bool = False
    timeout: float = Field(
        default=10.0,
        gt=0,
        le=300,
        validation_alias=TIMEOUT_ENV,
        description="request timeout, seconds",
    )
    interval: float = Field(default=5.0, ge=0.5, le=3600, description="poll interval, seconds")
    stall_after: float = Field(
        default=180.0, gt=0, description="seconds without progress before a job is 'stalled?'"
    )
    credits_every: float = Field(default=60.0, ge=5, description="seconds between credit checks")
    notify: Literal["watched", "all", "none"] = "watched"
    resubmit_max: int = Field(
        default=20, ge=1, le=100, description="jobs a group resubmit sends at most"
    )
    bell: bool = False
    notify_command: str | None = Field(
        default=None,
        description="run when a job that toasts ends (or a watched batch): split like a shell "
        "line, run without one; the job's facts in HEDRA_JOB_* variables",
    )
    notify_timeout: float = Field(
        default=10.0, gt=0, le=600, description="seconds before notify_command is killed"
    )
    theme: str | None = None
    download_dir: str | None = None
    download_name: str = Field(
        default=DEFAULT_TEMPLATE,
        description="file name template: {created:%Y%m%d-%H%M} {model} {prompt:.40} {id:.8} "
        "{ext} {type} {status}",
    )
    download_concurrency: int = Field(default=3, ge=1, le=16, description="files at once")
    download_retries: int = Field(
        default=3, ge=0, le=10, description="retries of a file after a 5xx or a timeout"
    )
    filters: dict[str, str] = Field(
        default_factory=dict, description='default server-side filters, e.g. type = "video"'
    )
    keymap: dict[str, str] = Field(
        default_factory=dict, description='binding id -> keys, e.g. {"app.refresh" = "ctrl+r"}'
    )
    history: bool = Field(
        default=True, description="keep a local history of the jobs seen (off: --no-cache)"
    )
    preview: bool = Field(
        default=True, description="pictures of image outputs and video thumbnails (P toggles)"
    )
    graphics: Literal["auto", "kitty", "iterm2", "sixel", "halfblocks"] = Field(
        default="auto",
        description="how pictures are drawn: auto (from TERM, TERM_PROGRAM, KITTY_WINDOW_ID), "
        "kitty, iterm2, sixel, halfblocks",
    )
    preview_max_mb: float = Field(
        default=8.0, gt=0, le=200, description="a picture larger than this is not loaded, MB"
    )
    columns: list[str] | None = Field(
        default=None, description="list columns in order (C in the monitor chooses and saves)"
    )
    rate_share: float = Field(
        default=0.10,
        gt=0,
        le=1,
        description="share of the key's stated rate limit the monitor may use (0.1 or 10%)",
    )
    rate_cap: int = Field(
        default=60,
        ge=1,
        le=100_000,
        description="requests a minute the monitor may use where the API states no limit",
    )
    low_bandwidth: bool = Field(
        default=False, description="a slow link: fewer screen updates, merged (--low-bandwidth)"
    )
    raw_output: bool = Field(
        default=False, description="write Textual's own output (no changed-cells layer)"
    )

    @field_validator("api_key", mode="before")
    @classmethod
    def _blank_key_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("notify_command", mode="before")
    @classmethod
    def _command_splits(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                shlex.split(value)
            except ValueError as exc:  # an unclosed quote
                raise ValueError(f"cannot split the command: {exc}") from None
        return value

    @field_validator("filters")
    @classmethod
    def _known_filters(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(FILTER_NAMES))
        if unknown:
            guess = closest(unknown[0], FILTER_NAMES)
            hint = f"did you mean {guess!r}? " if guess else ""
            raise ValueError(
                f"unknown filter {unknown[0]!r}; {hint}known: {', '.join(sorted(FILTER_NAMES))}"
            )
        return value

    @field_validator("rate_share", mode="before")
    @classmethod
    def _percent(cls, value: Any) -> Any:
        """``10%`` (a flag, a variable or the file) is 0.10."""
        if isinstance(value, str) and value.strip().endswith("%"):
            try:
                return float(value.strip()[:-1]) / 100
            except ValueError:
                return value
        return value

    @field_validator("download_name")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        return check_template(value)

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.strip().rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=config_path()),
        )


def load_settings(**overrides: Any) -> Settings:
    """Build the settings; flags are passed as ``overrides`` (None means "not given").

    Raises :class:`ConfigError` with the file and line for a broken config file, and a
    one-line reason for a bad value, never a traceback.
    """
    flags = {k: v for k, v in overrides.items() if v is not None}
    path = config_path()
    if path.is_file():
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        return Settings(**flags)
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        loc = [setting_for(str(err["loc"][0])), *err["loc"][1:]] if err["loc"] else []
        where = ".".join(str(p) for p in loc)
        source = origins({k: flag_for(k) for k in flags}).get(str(loc[0]) if loc else "")
        origin = f" ({source.describe(where)})" if source else ""
        raise ConfigError(f"bad setting {where}{origin}: {err['msg']}") from None


# -- where values come from, and what is ignored ---------------------------------------------


def env_name(setting: str) -> str:
    return ENV_PREFIX + setting.upper()


def env_names(setting: str) -> tuple[str, ...]:
    """Every variable that sets ``setting``, in the order they are looked for: ``HEDRA_<NAME>``,
    or the names of the field's validation alias (``timeout``: also ``HEDRA_TIMEOUT_SECS``)."""
    alias = Settings.model_fields[setting].validation_alias
    if isinstance(alias, AliasChoices):
        return tuple(c.upper() for c in alias.choices if isinstance(c, str))
    if isinstance(alias, str):
        return (alias.upper(),)
    return (env_name(setting),)


def setting_for(key: str) -> str:
    """The setting a source's key stands for: its name, or one of its variables' names."""
    if key in Settings.model_fields:
        return key
    return next((n for n in Settings.model_fields if key.upper() in env_names(n)), key)


def flag_for(setting: str) -> str:
    """The command-line flag that sets ``setting`` (for messages)."""
    return {"api_version": "--api"}.get(setting, "--" + setting.replace("_", "-"))


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice ``word`` most likely misspells, or None."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return found[0] if found else None


@dataclass(frozen=True)
class Origin:
    """Where a setting's value came from: a flag, the environment, ``.env``, the config file
    (``where`` names the flag, variable or file), or the default."""

    kind: Literal["flag", "env", ".env", "config file", "default"]
    where: str = ""
    line: int | None = None
    variable: str | None = None  # .env: the variable that set it (the file alone does not say)

    def __str__(self) -> str:
        line = f", line {self.line}" if self.line else ""
        return f"{self.kind} {self.where}{line}" if self.where else self.kind

    def describe(self, setting: str) -> str:
        """``str(self)``, naming the variable for ``.env`` (the file alone does not say it)."""
        if self.kind == ".env":
            return f".env {self.where} ({self.variable or env_name(setting.split('.')[0])})"
        return str(self)


def _read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
        return text, tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "", {}


def _line_of(text: str, key: str) -> int | None:
    """The line where the TOML file sets the top-level ``key`` (``key = ...`` before the first
    table, or a ``[key]`` table), for messages."""
    k = re.escape(key)
    top = re.split(r"^[ \t]*\[", text, maxsplit=1, flags=re.MULTILINE)[0]
    match = re.search(rf"^[ \t]*(?:{k}|\"{k}\"|'{k}')[ \t]*=", top, re.MULTILINE) or re.search(
        rf"^[ \t]*\[\[?[ \t]*(?:{k}|\"{k}\")[ \t]*[\].]", text, re.MULTILINE
    )
    return text.count("\n", 0, match.start()) + 1 if match else None


def dotenv_vars() -> dict[str, str]:
    """The variables of ``.env`` in the working directory, names upper-cased (settings are
    read case-insensitively, as pydantic-settings does)."""
    path = Path(DOTENV)
    if not path.is_file():
        return {}
    from dotenv import dotenv_values  # pydantic-settings' own reader

    try:
        values = dotenv_values(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return {k.upper(): v for k, v in values.items() if v is not None}


def origins(
    flags: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Origin]:
    """Each setting's source, by precedence. ``flags`` maps the settings given on the command
    line to the flag that gave them."""
    flags = flags or {}
    env = {k.upper() for k in (os.environ if environ is None else environ)}
    dotenv = dotenv_vars()
    path = config_path()
    text, data = _read_toml(path) if path.is_file() else ("", {})
    out: dict[str, Origin] = {}
    for name in Settings.model_fields:
        names = env_names(name)
        in_env = next((v for v in names if v in env), None)
        in_dotenv = next((v for v in names if v in dotenv), None)
        if name in flags:
            out[name] = Origin("flag", flags[name])
        elif in_env:
            out[name] = Origin("env", in_env)
        elif in_dotenv:
            out[name] = Origin(".env", str(Path(DOTENV).resolve()), variable=in_dotenv)
        elif name in data:
            out[name] = Origin("config file", str(path), _line_of(text, name))
        else:
            out[name] = Origin("default")
    return out


def settings_warnings(environ: Mapping[str, str] | None = None) -> list[str]:
    """What is ignored because nothing reads it: a config-file key that is no setting, and a
    ``HEDRA_`` variable (environment or ``.env``) that looks like a misspelled setting (other
    ``HEDRA_`` variables may belong to other tools). Each names the closest valid one."""
    names = list(Settings.model_fields)
    out: list[str] = []
    path = config_path()
    if path.is_file():
        text, data = _read_toml(path)
        for key in data:
            if key in Settings.model_fields:
                continue
            line = _line_of(text, key)
            where = f"config file {path}" + (f", line {line}" if line else "")
            guess = closest(key, names)
            hint = f"; did you mean {guess!r}?" if guess else "; `hedra-tui config show` lists them"
            out.append(f"{where}: {key!r} is not a setting (ignored){hint}")
    variables = [v for n in names for v in env_names(n)]
    known = set(variables) | set(PATH_ENV) | set(FOREIGN_ENV)
    suffixes = {v[len(ENV_PREFIX) :].lower(): v for v in (*variables, *PATH_ENV)}
    sources = (
        ("environment", list(os.environ if environ is None else environ)),
        (f".env {Path(DOTENV).resolve()}", list(dotenv_vars())),
    )
    for source, variables in sources:
        for var in sorted(variables):
            upper = var.upper()
            if not upper.startswith(ENV_PREFIX) or upper in known:
                continue
            # a higher bar than for the config file: HEDRA_HOME is not a misspelled HEDRA_THEME
            guess = closest(upper[len(ENV_PREFIX) :].lower(), suffixes, cutoff=0.75)
            if guess:
                out.append(
                    f"{source}: {var} is not a setting (ignored); did you mean {suffixes[guess]}?"
                )
    return out


def config_file_warnings(path: Path | None = None) -> list[str]:
    """Warn when the config file holds a key and others may read it."""
    path = path or config_path()
    try:
        mode = path.stat().st_mode
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return []
    if "api_key" in data and mode & (stat.S_IRGRP | stat.S_IROTH):
        return [f"{path} holds an API key and is readable by other users; run: chmod 600 {path}"]
    return []


def _top_level_span(lines: list[str], key: str) -> tuple[int, int] | None:
    """The lines [start, end) holding ``key = ...`` before the first table, if any."""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            return None  # a table header: top-level keys end here
        name = stripped.split("=", 1)[0].strip().strip('"')
        if "=" in stripped and name == key:
            end = index + 1
            value = stripped.split("=", 1)[1].strip()
            if value.startswith("[") and value.count("[") > value.count("]"):
                while end < len(lines):  # an array over several lines: up to its "]"
                    end += 1
                    if "]" in lines[end - 1]:
                        break
            return index, end
    return None


def save_setting(key: str, value: str | int | float | bool | list[str]) -> Path:
    """Write one top-level setting into the config file, keeping the rest of it (comments
    included). Raises :class:`ConfigError` when the file cannot be read or written."""
    path = config_path()
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    lines = text.splitlines()
    line = f"{key} = {json.dumps(value, ensure_ascii=False)}"  # JSON scalars/lists are TOML
    span = _top_level_span(lines, key)
    if span is not None:
        lines[span[0] : span[1]] = [line]
    else:
        first_table = next((i for i, x in enumerate(lines) if x.strip().startswith("[")), None)
        lines.insert(len(lines) if first_table is None else first_table, line)
    new = "\n".join(lines) + "\n"
    try:
        if tomllib.loads(new).get(key) != value:
            raise ConfigError(f"could not save {key} in {path}: edit it by hand")
    except tomllib.TOMLDecodeError:
        raise ConfigError(f"could not save {key} in {path}: edit it by hand") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write config file {path}: {exc.strerror}") from None
    return path
