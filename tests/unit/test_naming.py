"""Download file names from the template: hostile prompts become safe, readable names."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest

from hedra_tui.state.naming import (
    DEFAULT_TEMPLATE,
    NAME_MAX_BYTES,
    NameFacts,
    TemplateError,
    check_template,
    extension,
    file_name,
)

ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"


def facts(**changes: object) -> NameFacts:
    base: dict[str, object] = {
        "id": ID,
        "created": datetime(2026, 11, 18, 6, 13, 20, tzinfo=UTC),
        "model": "Character-3",
        "prompt": "A fox runs through snow",
        "type": "video",
        "status": "complete",
        "url": "https://cdn.example/a/clip.MP4?sig=1",
    }
    base.update(changes)
    return NameFacts(**base)  # type: ignore[arg-type]


def name(**changes: object) -> str:
    return file_name(DEFAULT_TEMPLATE, facts(**changes))


def assert_safe(text: str) -> None:
    assert text and "/" not in text and "\\" not in text and "\x00" not in text
    assert not text.startswith((".", "-", " "))
    assert all(unicodedata.category(c) not in ("Cc", "Cs") for c in text)
    assert len(text.encode()) <= NAME_MAX_BYTES


def test_the_default_template_names_date_model_prompt_id_and_extension():
    assert name() == "20261118-0613_Character-3_A-fox-runs-through-snow_3c90c3cc.mp4"


def test_dot_dot_slash_in_a_prompt_cannot_leave_the_folder():
    out = name(prompt="../../../etc/passwd")
    assert_safe(out)
    assert ".." not in out and out.endswith("_3c90c3cc.mp4")


def test_a_slash_or_backslash_becomes_an_underscore():
    out = name(prompt="a/b\\c", model="x/y")
    assert_safe(out)
    assert "a_b_c" in out and "x_y" in out


def test_escape_sequences_and_controls_are_dropped():
    out = name(prompt="\x1b[31mred\x1b[0m\x07 \x9b2J\u202eevil")
    assert_safe(out)
    assert "\x1b" not in out and "\u202e" not in out and "\x9b" not in out
    assert "red" in out and "evil" in out


def test_a_very_long_prompt_is_cut_by_the_template_and_a_long_template_by_bytes():
    assert "x" * 40 + "_" in name(prompt="x" * 5000)
    long = file_name("{prompt}.{ext}", facts(prompt="日本語" * 500))
    assert_safe(long)
    assert long.endswith(".mp4") and len(long.encode()) <= NAME_MAX_BYTES
    long.encode().decode("utf-8")  # cut at a character, never inside one


def test_an_empty_prompt_and_model_leave_no_doubled_separators():
    out = name(prompt="", model="")
    assert out == "20261118-0613_3c90c3cc.mp4"


def test_emoji_and_other_scripts_stay():
    out = name(prompt="🦊 狐 👨‍👩‍👧 renard")
    assert_safe(out)
    assert "🦊-狐-👨‍👩‍👧-renard" in out


def test_a_name_of_nothing_but_dots_falls_back_to_the_id():
    out = file_name("{prompt}.{ext}", facts(prompt="...."))
    assert out == f"{ID}.mp4"


def test_reserved_device_names_and_leading_dots_are_defused():
    assert file_name("{prompt}.{ext}", facts(prompt="CON")) == "_CON.mp4"
    assert file_name("{prompt}.{ext}", facts(prompt=".bashrc")) == "bashrc.mp4"
    assert file_name("{prompt}.{ext}", facts(prompt="-rf")) == "rf.mp4"


def test_a_missing_creation_time_reads_unknown():
    assert name(created=None).startswith("unknown_Character-3_")


def test_the_extension_comes_from_the_url_else_the_type():
    assert extension("https://x/a/clip.MP4?sig=1", "video") == "mp4"
    assert extension("https://x/_sim/assets/abc", "image") == "png"
    assert extension("https://x/a.b/c", "text") == "bin"
    assert extension("https://x/a.ex/e", "audio") == "mp3"


def test_check_template_names_the_unknown_field():
    assert check_template(DEFAULT_TEMPLATE) == DEFAULT_TEMPLATE
    with pytest.raises(TemplateError, match=r"\{credits\}"):
        check_template("{credits}_{id}.{ext}")
    with pytest.raises(TemplateError):
        check_template("{created:%Y}_{id:>>>}")
    with pytest.raises(TemplateError):
        check_template("{id")
