"""Settings precedence, key handling and transport safety."""

from __future__ import annotations

import os
import tomllib

import pytest

from hedra_tui.api.errors import ConfigError
from hedra_tui.api.security import check_key_transport
from hedra_tui.config import config_file_warnings, load_settings


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HEDRA_TUI_CONFIG", str(tmp_path / "config.toml"))
    for name in list(os.environ):
        if name.startswith("HEDRA_") and name != "HEDRA_TUI_CONFIG":
            monkeypatch.delenv(name)
    return tmp_path


def test_defaults_point_at_the_real_api():
    s = load_settings()
    assert s.base_url == "https://api.hedra.com/web-app/public"
    assert s.api_key is None
    assert s.interval == 5.0


def test_flag_beats_env_beats_dotenv_beats_config_file(isolated, monkeypatch):
    (isolated / "config.toml").write_text('interval = 7\ntimeout = 7\nbase_url = "https://c"\n')
    (isolated / ".env").write_text("HEDRA_INTERVAL=6\nHEDRA_TIMEOUT=6\n")
    monkeypatch.setenv("HEDRA_INTERVAL", "5")
    s = load_settings(interval=4)
    assert s.interval == 4
    assert s.timeout == 6
    assert s.base_url == "https://c"
    assert load_settings().interval == 5


def test_key_from_env_then_dotenv_then_config_file(isolated, monkeypatch):
    (isolated / "config.toml").write_text('api_key = "from-file"\n')
    assert load_settings().api_key.get_secret_value() == "from-file"
    (isolated / ".env").write_text("HEDRA_API_KEY=from-dotenv\n")
    assert load_settings().api_key.get_secret_value() == "from-dotenv"
    monkeypatch.setenv("HEDRA_API_KEY", "from-env")
    assert load_settings().api_key.get_secret_value() == "from-env"


def test_key_never_shows_in_repr_or_str(monkeypatch):
    monkeypatch.setenv("HEDRA_API_KEY", "sk-secret-123")
    s = load_settings()
    assert "sk-secret-123" not in repr(s)
    assert "sk-secret-123" not in str(s)
    assert "sk-secret-123" not in s.model_dump_json()


def test_broken_config_file_names_the_file_and_line(isolated):
    (isolated / "config.toml").write_text("interval = 3\ntimeout = \n")
    with pytest.raises(ConfigError, match=r"config\.toml.*line 2"):
        load_settings()


def test_bad_value_gives_one_line_reason(isolated):
    (isolated / "config.toml").write_text("interval = 0.01\n")
    with pytest.raises(ConfigError, match="interval"):
        load_settings()


def test_world_readable_config_with_key_warns(isolated):
    path = isolated / "config.toml"
    path.write_text('api_key = "k"\n')
    path.chmod(0o644)
    assert "chmod 600" in config_file_warnings(path)[0]
    path.chmod(0o600)
    assert config_file_warnings(path) == []


@pytest.mark.parametrize(
    "url",
    [
        "https://api.hedra.com/web-app/public",
        "http://127.0.0.1:8765",
        "http://localhost:1",
        "http://[::1]:9",
    ],
)
def test_key_may_go_over_https_or_to_loopback(url):
    check_key_transport(url)


def test_key_is_refused_over_plain_http_to_a_remote_host():
    with pytest.raises(ConfigError, match="--allow-insecure"):
        check_key_transport("http://api.example.com")
    check_key_transport("http://api.example.com", allow_insecure=True)
    with pytest.raises(ConfigError):
        check_key_transport("ftp://x")


def test_theme_is_remembered_in_the_state_file_not_the_config(isolated, monkeypatch):
    from hedra_tui.config import remember, remembered

    monkeypatch.setenv("HEDRA_TUI_STATE", str(isolated / "state" / "state.json"))
    assert remembered("theme") is None
    remember("theme", "nord")
    assert remembered("theme") == "nord"
    assert not (isolated / "config.toml").exists()


def test_notify_bell_and_download_dir_settings_from_the_config_file(isolated):
    (isolated / "config.toml").write_text('notify = "all"\nbell = true\ndownload_dir = "/tmp/x"\n')
    s = load_settings()
    assert (s.notify, s.bell, s.download_dir) == ("all", True, "/tmp/x")
    (isolated / "config.toml").write_text('notify = "sometimes"\n')
    with pytest.raises(ConfigError, match="notify"):
        load_settings()


def test_download_settings_default_and_a_bad_template_names_the_field(isolated):
    s = load_settings()
    assert s.download_name == "{created:%Y%m%d-%H%M}_{model}_{prompt:.40}_{id:.8}.{ext}"
    assert (s.download_concurrency, s.download_retries) == (3, 3)
    assert load_settings(download_dir="/tmp/d").download_dir == "/tmp/d"  # --download-dir
    (isolated / "config.toml").write_text(
        'download_name = "{id}_{credits}.{ext}"\ndownload_concurrency = 5\n'
    )
    with pytest.raises(ConfigError, match=r"download_name \(config file .*line 1\).*\{credits\}"):
        load_settings()
    (isolated / "config.toml").write_text("download_concurrency = 0\n")
    with pytest.raises(ConfigError, match="download_concurrency"):
        load_settings()


def test_keymap_is_read_from_the_config_file(isolated):
    (isolated / "config.toml").write_text('[keymap]\n"app.refresh" = "ctrl+r"\n')
    assert load_settings().keymap == {"app.refresh": "ctrl+r"}


def test_api_version_follows_the_flag_the_setting_or_the_key_format(isolated, monkeypatch):
    from hedra_tui.connect import api_version, base_url_for

    plain = load_settings()
    assert api_version(plain, "sk-hedra-123") == "v2"
    assert api_version(plain, "key_abc:secret") == "v3"  # a v3 key selects v3 by itself
    assert base_url_for(plain, "v3") == "https://api.hedra.com/v3"
    assert base_url_for(plain, "v2") == "https://api.hedra.com/web-app/public"
    assert api_version(load_settings(api_version="v2"), "key_abc:secret") == "v2"  # flag wins
    monkeypatch.setenv("HEDRA_API_VERSION", "v3")
    assert api_version(load_settings(), "sk-hedra-123") == "v3"
    monkeypatch.setenv("HEDRA_BASE_URL", "https://proxy.example/v3")
    assert base_url_for(load_settings(), "v3") == "https://proxy.example/v3"  # a set URL stays
    with pytest.raises(ConfigError):
        load_settings(api_version="v4")


# -- warnings: what is ignored, with the closest valid name -----------------------------------


def test_misspelled_config_key_warns_with_file_line_and_closest_setting(isolated):
    from hedra_tui.config import settings_warnings

    path = isolated / "config.toml"
    path.write_text('notify = "all"\nintervall = 3\n[filter]\ntype = "video"\n[whatever]\n')
    warnings = settings_warnings(environ={})
    assert warnings[0] == (
        f"config file {path}, line 2: 'intervall' is not a setting (ignored); "
        "did you mean 'interval'?"
    )
    assert "line 3" in warnings[1] and "did you mean 'filters'?" in warnings[1]
    assert "'whatever'" in warnings[2] and "config show" in warnings[2]
    assert load_settings().interval == 5  # ignored, and nothing stops


def test_hedra_variables_that_look_like_a_setting_warn_others_do_not(isolated):
    from hedra_tui.config import Settings, env_name, settings_warnings

    valid = {env_name(n): "x" for n in Settings.model_fields}
    valid |= {"HEDRA_TUI_CONFIG": "x", "HEDRA_TUI_STATE": "x", "hedra_interval": "x"}
    assert settings_warnings(environ=valid) == []
    foreign = {"HEDRA_KEY": "x", "HEDRA_HOME": "x", "HEDRA_LOG": "x", "PATH": "x"}
    assert settings_warnings(environ=foreign) == []
    assert settings_warnings(environ={"HEDRA_API_KY": "sk-secret-9"}) == [
        "environment: HEDRA_API_KY is not a setting (ignored); did you mean HEDRA_API_KEY?"
    ]  # the name, never the value
    typos = {"HEDRA_INTERVALL": "3", "HEDRA_THEM": "nord", "HEDRA_TUI_CONFG": "x"}
    assert settings_warnings(environ=typos) == [
        "environment: HEDRA_INTERVALL is not a setting (ignored); did you mean HEDRA_INTERVAL?",
        "environment: HEDRA_THEM is not a setting (ignored); did you mean HEDRA_THEME?",
        "environment: HEDRA_TUI_CONFG is not a setting (ignored); did you mean HEDRA_TUI_CONFIG?",
    ]


def test_misspelled_variable_in_dotenv_warns_naming_the_file(isolated):
    from hedra_tui.config import settings_warnings

    (isolated / ".env").write_text("HEDRA_TIMOUT=3\nOTHER_TOOL=1\n")
    assert settings_warnings(environ={}) == [
        f".env {isolated / '.env'}: HEDRA_TIMOUT is not a setting (ignored); "
        "did you mean HEDRA_TIMEOUT?"
    ]


def test_origins_name_the_flag_variable_file_or_default(isolated, monkeypatch):
    from hedra_tui.config import origins

    (isolated / "config.toml").write_text('bell = true\n\n[keymap]\n"app.quit" = "Q"\n')
    (isolated / ".env").write_text("HEDRA_TIMEOUT=3\n")
    monkeypatch.setenv("HEDRA_NOTIFY", "all")
    where = origins({"interval": "--interval"})
    assert str(where["interval"]) == "flag --interval"
    assert str(where["notify"]) == "env HEDRA_NOTIFY"
    assert str(where["timeout"]) == f".env {isolated / '.env'}"
    assert str(where["bell"]) == f"config file {isolated / 'config.toml'}, line 1"
    assert str(where["keymap"]) == f"config file {isolated / 'config.toml'}, line 3"
    assert str(where["stall_after"]) == "default"


def test_bad_value_names_where_it_came_from(isolated, monkeypatch):
    monkeypatch.setenv("HEDRA_NOTIFY", "sometimes")
    with pytest.raises(ConfigError, match=r"bad setting notify \(env HEDRA_NOTIFY\)"):
        load_settings()
    monkeypatch.delenv("HEDRA_NOTIFY")
    (isolated / "config.toml").write_text("bell = true\ninterval = 0.01\n")
    with pytest.raises(ConfigError, match=r"interval \(config file .*config\.toml, line 2\)"):
        load_settings()


def test_unknown_filter_suggests_the_closest(isolated):
    (isolated / "config.toml").write_text('[filters]\ntyp = "video"\n')
    with pytest.raises(ConfigError, match="unknown filter 'typ'; did you mean 'type'"):
        load_settings()


def test_save_setting_keeps_the_rest_of_the_file(tmp_path, monkeypatch):
    from hedra_tui.config import save_setting

    path = tmp_path / "config.toml"
    monkeypatch.setenv("HEDRA_TUI_CONFIG", str(path))
    path.write_text(
        '# my settings\ninterval = 3\ncolumns = [\n  "status",\n  "prompt",\n]\n\n'
        '[keymap]\n"app.refresh" = "ctrl+r"\n',
        encoding="utf-8",
    )
    save_setting("columns", ["status", "age", "prompt"])
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["columns"] == ["status", "age", "prompt"]
    assert data["interval"] == 3 and data["keymap"] == {"app.refresh": "ctrl+r"}
    assert text.startswith("# my settings\n")
    save_setting("theme", "nord")  # a new key goes above the first table
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["theme"] == "nord" and "theme" not in data["keymap"]


def test_save_setting_creates_the_file(tmp_path, monkeypatch):
    from hedra_tui.config import load_settings, save_setting

    path = tmp_path / "sub" / "config.toml"
    monkeypatch.setenv("HEDRA_TUI_CONFIG", str(path))
    save_setting("columns", ["status", "prompt"])
    assert load_settings().columns == ["status", "prompt"]


def test_hedra_timeout_secs_of_the_official_cli_sets_the_timeout_and_hedra_timeout_wins(
    isolated, monkeypatch
):
    from hedra_tui.config import origins, settings_warnings

    monkeypatch.setenv("HEDRA_TIMEOUT_SECS", "3")
    assert load_settings().timeout == 3
    assert str(origins()["timeout"]) == "env HEDRA_TIMEOUT_SECS"
    assert settings_warnings() == []  # a setting, not a misspelled one
    assert load_settings(timeout=5).timeout == 5  # the flag still wins
    monkeypatch.setenv("HEDRA_TIMEOUT", "4")
    assert load_settings().timeout == 4
    assert str(origins()["timeout"]) == "env HEDRA_TIMEOUT"
    monkeypatch.setenv("TIMEOUT", "1")  # the alias does not make an unprefixed name a setting
    monkeypatch.delenv("HEDRA_TIMEOUT")
    monkeypatch.delenv("HEDRA_TIMEOUT_SECS")
    assert load_settings().timeout == 10


def test_hedra_timeout_secs_in_dotenv_is_named_and_a_bad_one_says_where(isolated, monkeypatch):
    from hedra_tui.config import origins

    (isolated / ".env").write_text("HEDRA_TIMEOUT_SECS=7\n")
    assert load_settings().timeout == 7
    assert origins()["timeout"].describe("timeout") == (
        f".env {isolated / '.env'} (HEDRA_TIMEOUT_SECS)"
    )
    monkeypatch.setenv("HEDRA_TIMEOUT_SECS", "0")
    with pytest.raises(ConfigError, match=r"bad setting timeout \(env HEDRA_TIMEOUT_SECS\)"):
        load_settings()


def test_the_request_budget_settings_take_a_share_as_a_fraction_or_a_percent(isolated, monkeypatch):
    s = load_settings()
    assert s.rate_share == 0.10 and s.rate_cap == 60
    monkeypatch.setenv("HEDRA_RATE_SHARE", "25%")
    assert load_settings().rate_share == 0.25
    (isolated / "config.toml").write_text("rate_share = 0.05\nrate_cap = 120\n")
    monkeypatch.delenv("HEDRA_RATE_SHARE")
    assert (load_settings().rate_share, load_settings().rate_cap) == (0.05, 120)
    monkeypatch.setenv("HEDRA_RATE_SHARE", "150%")
    with pytest.raises(ConfigError, match="rate_share"):
        load_settings()


def test_low_bandwidth_from_the_flag_the_variable_or_the_config_file(isolated, monkeypatch):
    from hedra_tui.cli import build_parser
    from hedra_tui.connect import settings_from_args

    parser = build_parser()
    assert settings_from_args(parser.parse_args([])).low_bandwidth is False
    assert settings_from_args(parser.parse_args(["--low-bandwidth"])).low_bandwidth is True
    (isolated / "config.toml").write_text("low_bandwidth = true\n")
    assert settings_from_args(parser.parse_args([])).low_bandwidth is True
    (isolated / "config.toml").write_text("")
    monkeypatch.setenv("HEDRA_LOW_BANDWIDTH", "1")
    assert settings_from_args(parser.parse_args([])).low_bandwidth is True
    # the kill switch of the changed-cells layer is a setting like any other
    monkeypatch.setenv("HEDRA_RAW_OUTPUT", "true")
    assert load_settings().raw_output is True


def test_preview_is_on_by_default_off_from_the_file_or_the_environment(isolated, monkeypatch):
    s = load_settings()
    assert (s.preview, s.preview_max_mb) == (True, 8.0)
    (isolated / "config.toml").write_text("preview = false\npreview_max_mb = 2.5\n")
    s = load_settings()
    assert (s.preview, s.preview_max_mb) == (False, 2.5)
    monkeypatch.setenv("HEDRA_PREVIEW", "true")
    assert load_settings().preview is True
    (isolated / "config.toml").write_text("preview_max_mb = 0\n")
    with pytest.raises(ConfigError, match="preview_max_mb"):
        load_settings()
