"""The v3 job stream over a real socket: frames whose text holds characters that
``str.splitlines`` would take for line ends arrive whole."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hedra_tui.api.sse import RETRY_MAX_MS
from hedra_tui.api.v3 import V3Client
from hedra_tui.simulator.v3 import v3_credential

from .helpers import advance, control, inject

# U+2028, U+2029 and U+0085 go out raw in the JSON (it escapes only what is below U+0020)
SEPARATORS = "a\u2028b\u2029c\x85d\x1ce\x1df\x1eg\x0bh\x0ci"


def _client(sim: Any) -> V3Client:
    return V3Client(v3_credential(sim.api_key), sim.base_url + "/v3", timeout=5.0)


async def test_a_log_message_with_unicode_line_separators_arrives_in_one_frame(sim_factory):
    sim = sim_factory(count=5, inflight=0, seed=3, arrivals=False)
    message = f"Queued by the night batch: {SEPARATORS}"
    inject(sim, {"id": "seps", "v3_log_message": message})
    advance(sim, 7200)  # the job has ended: its stream sends every frame, then done
    async with _client(sim) as client:
        events = [event async for event, _ in client.stream_job("job_seps")]
    assert events[-1].event == "done"
    datas = [e.data for e in events if e.event == "log"]
    unreadable = []
    for data in datas:
        try:
            json.loads(data)
        except ValueError:
            unreadable.append(data)
    assert unreadable == []
    messages = [json.loads(data)["message"] for data in datas]
    assert message in messages
    assert [json.loads(data)["id"] for data in datas] == list(range(1, len(datas) + 1))


@pytest.mark.parametrize(
    "retry", ["²", "٣", "1.5", "-1", pytest.param("9" * 5000, id="5000-digits")]
)
async def test_a_retry_field_that_is_no_ascii_number_leaves_the_stream_running(sim_factory, retry):
    sim = sim_factory(count=5, inflight=0, seed=3, arrivals=False)
    control(sim, "POST", "/_sim/streams", {"retry": retry})
    job = inject(sim, {"id": "odd-retry"})
    advance(sim, 7200)
    async with _client(sim) as client:
        seen = [
            (event.event, parser.retry_ms)
            async for event, parser in client.stream_job("job_" + job["id"])
        ]
    assert seen[0][0] == "status" and seen[-1][0] == "done"
    expected = RETRY_MAX_MS if retry.startswith("9") else None  # too long a wait is capped
    assert {retry_ms for _, retry_ms in seen} == {expected}
