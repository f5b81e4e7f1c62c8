"""The SSE parser: frames, ids, retry, comments and the v3 done sentinel."""

from __future__ import annotations

from hedra_tui.api.sse import STREAM_DONE, SSEParser


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
