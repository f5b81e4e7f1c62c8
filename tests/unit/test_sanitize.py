"""The display sanitizer: no control or hiding character survives, text stays readable."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hedra_tui.api.sanitize import display, is_safe

HOSTILE = [
    "\x1b[2J\x1b[H",  # clear screen
    "\x1b]52;c;aGVsbG8=\x07",  # OSC 52 clipboard write
    "\x1b]0;pwned\x07",  # window title
    "\x1bP+q544e\x1b\\",  # DCS
    "\x9b31m",  # 8-bit CSI
    "\x9d0;title\x9c",  # 8-bit OSC / ST
    "a\x00b\x7fc",
    "safe\u202egnp.exe",  # RLO bidi override
    "x\u2066y\u2069z",  # isolates
    "zero\u200bwidth\u200djoin\ufeff",
    "tag\U000e0041\U000e007f",
]


def test_escape_sequences_lose_their_escape_byte_and_show_a_placeholder():
    out = display("\x1b[31mred\x1b[0m")
    assert "\x1b" not in out
    assert out == "␛[31mred␛[0m"


def test_every_hostile_sample_comes_out_safe():
    for sample in HOSTILE:
        out = display(sample)
        assert is_safe(out), repr(out)
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in out), repr(out)


def test_bidi_override_is_replaced_visibly():
    assert display("safe\u202egnp.exe") == "safe\ufffdgnp.exe"


def test_newlines_and_tabs_fold_to_spaces_on_one_line():
    assert display("a\nb\tc\r\nd") == "a b c  d"


def test_multiline_keeps_newlines_but_not_other_controls():
    assert display("a\nb\x1b", multiline=True) == "a\nb␛"


def test_nul_and_del_become_control_pictures():
    assert display("a\x00b\x7f") == "a␀b␡"


def test_plain_text_and_wide_characters_pass_unchanged():
    for text in ["hello", "日本語のプロンプト", "emoji 🎬🎥", "[red]markup[/]", "é"]:
        assert display(text) == text


def test_max_len_cuts_with_an_ellipsis():
    assert display("x" * 10_000, max_len=10) == "x" * 9 + "…"


def test_non_strings_are_shown_as_text():
    assert display(None) == ""
    assert display(12) == "12"


@given(st.text())
def test_any_text_comes_out_without_controls(text):
    out = display(text)
    assert is_safe(out)
    assert "\n" not in out


def test_only_plain_http_urls_become_hyperlinks():
    from hedra_tui.api.sanitize import safe_link

    assert safe_link("https://cdn.example.com/a.mp4?sig=1") == "https://cdn.example.com/a.mp4?sig=1"
    assert safe_link("https://x/\x1b]8;;evil\x1b\\") is None
    assert safe_link("javascript:alert(1)") is None
    assert safe_link("https://x/with space") is None
    assert safe_link(None) is None


def test_lone_surrogates_become_a_placeholder_and_can_be_encoded():
    text = display("name\ud800x\udfff")
    assert text == "name\ufffdx\ufffd"
    text.encode("utf-8")  # what the terminal driver does; a lone surrogate would raise here
