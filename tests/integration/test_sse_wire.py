"""The v3 job stream over a real socket: frames whose text holds characters that
``str.splitlines`` would take for line ends arrive whole."""

from __future__ import annotations

import json
from typing import Any

from hedra_tui.api.v3 import V3Client
from hedra_tui.simulator.v3 import v3_credential

from .helpers import advance, inject

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
