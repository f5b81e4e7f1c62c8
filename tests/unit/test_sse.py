"""The SSE reader: lines ended only at CR/LF/CRLF across any chunking, frames, ids, retry
(any value survived), comments and the v3 done sentinel."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hedra_tui.api.sse import RETRY_MAX_MS, STREAM_DONE, LineSplitter, SSEParser, sse_lines


def feed(parser: SSEParser, text: str) -> list:
    events = []
    for line in text.split("\n"):
        event = parser.feed(line)
        if event is not None:
            events.append(event)
    return events


def test_frames_ids_retry_and_comments():
    parser = SSEParser()
    events = feed(
        parser,
        "retry: 2000\n\n"
        ": keep-alive\n\n"
        'id: 3-1\nevent: status\ndata: {"status": "IN_PROGRESS"}\n\n'
        "data: line one\ndata: line two\n\n"
        f"event: done\ndata: {STREAM_DONE}\n\n",
    )
    assert parser.retry_ms == 2000
    assert [(e.event, e.id) for e in events] == [
        ("status", "3-1"),
        ("message", None),
        ("done", None),
    ]
    assert events[1].data == "line one\nline two"
    assert events[2].data == STREAM_DONE  # left as text: the caller never parses it as JSON
    assert parser.last_id == "3-1"  # done carries no id, so a resume starts after 3-1


def test_a_frame_without_a_blank_line_is_not_dispatched_and_bad_fields_are_ignored():
    parser = SSEParser(last_id="1-0")
    assert feed(parser, "id: 2-0\nevent: log\ndata: {}") == []
    assert parser.last_id == "2-0"
    # the blank line ends the pending frame; the odd fields around it change nothing
    events = feed(parser, "retry: soon\nbogus: x\nid: a\x00b\n")
    assert [(e.event, e.data, e.id) for e in events] == [("log", "{}", "2-0")]
    assert parser.retry_ms is None and parser.last_id == "2-0"


# -- lines: only CR, LF and CRLF end one ------------------------------------------------------

# every character str.splitlines() also ends a line at, which SSE keeps inside the line
UNICODE_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
STREAM = (
    "\ufeffretry: 1500\r\n\r\n"
    'id: 1\nevent: log\ndata: {"message": "a\u2028b\u2029c\x85d"}\n\n'
    f"data: keep {UNICODE_BREAKS} inside\r"
    "data: é and 漢字 and 🎬\r\r"
    ": keep-alive\r\n"
    "\r\n"
)


def reference_lines(text: str) -> list[str]:
    """The spec's lines: split at CRLF, CR or LF; the part after the last line end is no line."""
    return re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff"))[:-1]


def lines_of(chunks: list[bytes]) -> list[str]:
    async def source() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    async def collect() -> list[str]:
        return [line async for line in sse_lines(source())]

    return asyncio.run(collect())


def test_lines_end_only_at_cr_lf_or_crlf_and_unicode_separators_stay_inside():
    lines = lines_of([STREAM.encode()])
    assert lines == [
        "retry: 1500",
        "",
        "id: 1",
        "event: log",
        'data: {"message": "a\u2028b\u2029c\x85d"}',
        "",
        f"data: keep {UNICODE_BREAKS} inside",
        "data: é and 漢字 and 🎬",
        "",
        ": keep-alive",
        "",
    ]
    assert lines == reference_lines(STREAM)
    assert len(STREAM.splitlines()) > len(lines)  # what aiter_lines() would have made of it


def test_a_chunk_boundary_anywhere_gives_the_same_lines():
    raw = STREAM.encode()
    expected = reference_lines(STREAM)
    # one cut at every byte (inside a BOM, a CRLF, a multi-byte character), then two cuts
    for i in range(len(raw) + 1):
        assert lines_of([raw[:i], raw[i:]]) == expected, i
    for i in range(0, len(raw) + 1, 3):
        for j in range(i, len(raw) + 1, 2):
            assert lines_of([raw[:i], raw[i:j], raw[j:]]) == expected, (i, j)
    assert lines_of([raw[i : i + 1] for i in range(len(raw))]) == expected


def test_a_cr_ending_one_chunk_and_a_lf_opening_the_next_end_one_line():
    assert lines_of([b"data: x\r", b"\ndata: y\r", b"", b"\n\r", b"\n"]) == [
        "data: x",
        "data: y",
        "",
    ]
    assert lines_of([b"data: x\r", b"\r", b"\n"]) == ["data: x", ""]  # CR, then CRLF


def test_only_one_leading_bom_is_dropped_and_bad_utf8_is_replaced():
    bom = "\ufeff".encode()
    assert lines_of([bom[:1], bom[1:] + bom + b"data: x\n"]) == ["\ufeffdata: x"]
    assert lines_of([b"data: \xff\xc3\n"]) == ["data: \ufffd\ufffd"]


def test_a_last_line_without_its_end_is_dropped():
    assert lines_of([b"data: a\n\ndata: cut sh", b"ort"]) == ["data: a", ""]


@given(
    text=st.text(alphabet=st.sampled_from(list("ab:\r\n\ufeff é漢🎬" + UNICODE_BREAKS))),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6),
)
def test_any_text_cut_anywhere_splits_like_the_spec(text: str, cuts: list[int]):
    raw = text.encode()
    points = sorted({min(c, len(raw)) for c in cuts})
    chunks = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]
    assert lines_of(chunks) == reference_lines(text)


def test_the_splitter_keeps_a_partial_line_across_chunks():
    splitter = LineSplitter()
    assert splitter.feed("data: he") == []
    assert splitter.feed("llo\u2028wor") == []
    assert splitter.feed("ld\r") == ["data: hello\u2028world"]
    assert splitter.feed("\n") == []
    assert splitter.feed("\n") == [""]


# -- retry: any value survives, only ASCII digits count ------------------------------------------


@pytest.mark.parametrize(
    "value", ["²", "٣", "１２", "1.5", "-1", "+1", " 20", "20 ", "1e3", "", "12a", "0x10"]
)
def test_a_retry_that_is_not_only_ascii_digits_is_ignored(value: str):
    parser = SSEParser()
    parser.feed("retry: 700")
    assert parser.feed(f"retry: {value}") is None
    assert parser.retry_ms == 700


def test_a_retry_of_any_length_is_read_and_capped():
    parser = SSEParser()
    parser.feed("retry: 0000250")
    assert parser.retry_ms == 250
    parser.feed("retry: 0")
    assert parser.retry_ms == 0
    parser.feed("retry: " + "9" * 5000)  # int() alone raises past 4,300 digits
    assert parser.retry_ms == RETRY_MAX_MS


# values that look like numbers: ASCII digits and signs mixed with the other digits of Unicode
# (Nd: Arabic-Indic, fullwidth; No: superscripts, fractions); str.isdigit() takes Nd and some
# of No, int() takes only Nd, and SSE none of them
NUMBERISH = st.text(
    alphabet=st.one_of(st.sampled_from("0123456789 +-.e_"), st.characters(categories=("Nd", "No")))
)
FIELD_VALUES = st.one_of(st.text(), NUMBERISH)


@given(value=FIELD_VALUES)
def test_any_retry_value_is_survived_and_only_ascii_digits_set_it(value: str):
    parser = SSEParser()
    parser.feed("retry:" + value)
    shown = value.removeprefix(" ")
    if re.fullmatch(r"[0-9]+", shown):
        digits = shown.lstrip("0") or "0"
        wanted = RETRY_MAX_MS if len(digits) > 9 else min(int(digits), RETRY_MAX_MS)
        assert parser.retry_ms == wanted
    else:
        assert parser.retry_ms is None


FIELDS = st.sampled_from(["retry", "id", "event", "data", "", "Retry", "retry ", "x"])


@given(lines=st.lists(st.one_of(st.text(), st.tuples(FIELDS, FIELD_VALUES).map(":".join))))
def test_any_lines_are_survived(lines: list[str]):
    parser = SSEParser()
    for line in [*lines, ""]:
        event = parser.feed(line)
        assert event is None or isinstance(event.data, str)
    assert parser.retry_ms is None or 0 <= parser.retry_ms <= RETRY_MAX_MS
