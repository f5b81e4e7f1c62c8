"""The simulator's v3 API: contract against the v3 spec, and the official hedra-sdk reading it."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import httpx
import jsonschema
import pytest

from hedra_tui.simulator.v3 import v3_credential

from ..spec import spec_text
from .helpers import advance, control


def _spec() -> dict[str, Any]:
    return json.loads(spec_text("hedra-openapi-v3-monitoring.json"))


SPEC = _spec()


def validate(instance: Any, schema_name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": SPEC["components"]}
    jsonschema.Draft202012Validator(schema).validate(instance)


def http(sim, scheme: str = "Key") -> httpx.Client:
    return httpx.Client(
        base_url=sim.base_url + "/v3",
        headers={"Authorization": f"{scheme} {v3_credential(sim.api_key)}"},
        timeout=30,
    )


def sse_frames(text: str) -> list[dict[str, str]]:
    frames, current = [], {}
    for line in text.split("\n"):
        if not line:
            if current:
                frames.append(current)
            current = {}
        elif line.startswith(":"):
            current.setdefault("comment", line)
        else:
            field, _, value = line.partition(":")
            current[field] = value.removeprefix(" ")
    return frames


@pytest.fixture
def v3sim(sim_factory):
    return sim_factory(count=120, inflight=6, seed=13, arrivals=False)


def test_every_v3_response_validates_against_the_spec(v3sim):
    with http(v3sim) as c:
        page = c.get("/jobs", params={"limit": 50}).json()
        validate(page, "JobListResponse")
        statuses = set()
        for item in page["data"]:
            job = c.get(f"/jobs/{item['job_id']}").json()
            validate(job, "ResultResponse")
            statuses.add(job["status"])
            status = c.get(f"/jobs/{item['job_id']}/status").json()
            validate(status, "StatusResponse")
            logs = c.get(f"/jobs/{item['job_id']}/logs", params={"limit": 3}).json()
            validate(logs, "JobLogListResponse")
            if job["status"] == "FAILED":
                validate(job["error"], "ErrorEnvelope")
        assert {"COMPLETED", "FAILED", "IN_PROGRESS"} <= statuses
        validate(c.get("/models").json(), "ModelListResponse")
        validate(c.get("/balance").json(), "BalanceResponse")
        for group in ("total", "day", "model"):
            validate(c.get("/usage", params={"group_by": group}).json(), "UsageResponse")
        model = page["data"][0]["model"]
        validate(c.get(f"/models/{model}/jobs", params={"limit": 5}).json(), "JobListResponse")
        bad = c.get("/jobs", params={"limit": 0})
        assert bad.status_code == 400
        validate(bad.json(), "ErrorResponse")
        missing = c.get("/jobs/job_nope")
        assert missing.status_code == 404
        validate(missing.json(), "ErrorResponse")


def test_both_auth_schemes_work_and_a_wrong_key_is_a_401_envelope(v3sim):
    for scheme in ("Key", "Bearer"):
        with http(v3sim, scheme) as c:
            assert c.get("/balance").status_code == 200
    with httpx.Client(base_url=v3sim.base_url + "/v3", timeout=10) as c:
        wrong = c.get("/jobs", headers={"Authorization": "Key key_x:wrong"})
        assert wrong.status_code == 401
        validate(wrong.json(), "ErrorResponse")
        assert c.get("/jobs", headers={"X-API-Key": v3sim.api_key}).status_code == 401


def test_cursor_pages_cover_every_job_once_even_while_jobs_arrive(v3sim):
    seen: list[str] = []
    with http(v3sim) as c:
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 17}
            if cursor:
                params["cursor"] = cursor
            page = c.get("/jobs", params=params).json()
            seen += [item["job_id"] for item in page["data"]]
            if not seen[17:]:  # after the first page, new jobs arrive at the top
                control(v3sim, "POST", "/_sim/inflight", {"count": 5})
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert len(seen) == len(set(seen)) == 126


def test_stream_opens_with_status_ends_with_done_and_resumes(v3sim):
    with http(v3sim) as c:
        done = next(
            j["job_id"] for j in c.get("/jobs").json()["data"] if j["status"] == "COMPLETED"
        )
        text = c.get(f"/jobs/{done}/stream").text
    frames = sse_frames(text)
    assert frames[0] == {"retry": "2000"}
    assert frames[1]["event"] == "status"
    assert frames[-1] == {"event": "done", "data": "[STREAM_DONE]"}
    assert "id" not in frames[-1]
    body = [f for f in frames if f.get("event") in ("status", "log")]
    for frame in body:
        validate(
            json.loads(frame["data"]),
            "StatusResponse" if frame["event"] == "status" else "JobLogItem",
        )
    # resuming after the third log frame replays nothing before it
    logs = [f for f in body if f["event"] == "log"]
    with http(v3sim) as c:
        again = sse_frames(
            c.get(f"/jobs/{done}/stream", headers={"Last-Event-Id": logs[2]["id"]}).text
        )
    resumed = [json.loads(f["data"])["id"] for f in again if f.get("event") == "log"]
    assert resumed == [json.loads(f["data"])["id"] for f in logs[3:]]


def test_a_stream_cut_short_has_no_done_frame(v3sim):
    control(v3sim, "POST", "/_sim/streams", {"drop_after": 2})
    try:
        with http(v3sim) as c:
            job = next(
                j["job_id"] for j in c.get("/jobs").json()["data"] if j["status"] == "COMPLETED"
            )
            frames = sse_frames(c.get(f"/jobs/{job}/stream").text)
    finally:
        control(v3sim, "POST", "/_sim/streams", {"drop_after": None})
    assert all(f.get("event") != "done" for f in frames)


# -- the official client -------------------------------------------------------------------


@pytest.fixture
def sdk(v3sim):
    hedra = pytest.importorskip("hedra")
    return hedra.Hedra(api_key=v3_credential(v3sim.api_key), base_url=v3sim.base_url + "/v3")


def test_hedra_sdk_lists_jobs_across_cursor_pages(sdk, v3sim, caplog):
    caplog.set_level(logging.WARNING)
    pager = sdk.jobs.list(limit=25)
    ids = [job.job_id for job in pager]
    assert len(ids) == len(set(ids)) == 126
    assert not caplog.records


def test_hedra_sdk_reads_a_job_and_its_status(sdk, caplog):
    caplog.set_level(logging.WARNING)
    first = next(iter(sdk.jobs.list(limit=5)))
    job = sdk.jobs.get(first.job_id)
    assert job.job_id == first.job_id and job.status == first.status
    status = sdk.jobs.get_status(first.job_id)
    assert status.job_id == first.job_id
    assert sdk.billing.get_balance().currency == "USD"
    assert not caplog.records


def test_hedra_sdk_consumes_a_stream_to_done(sdk, v3sim, caplog):
    caplog.set_level(logging.WARNING)
    with http(v3sim) as c:
        running = next(
            j["job_id"] for j in c.get("/jobs").json()["data"] if j["status"] == "IN_PROGRESS"
        )

    def finish_soon() -> None:
        time.sleep(0.6)
        advance(v3sim, 3600)

    frames = []
    for frame in sdk.jobs.stream(running):
        if not frames:  # the job ends once the stream is under way (its first frame can
            # take a second to come: a fixed delay from the start raced it)
            threading.Thread(target=finish_soon, daemon=True).start()
        frames.append(frame)
    statuses = [f.status for f in frames if hasattr(f, "status") and hasattr(f, "job_id")]
    assert statuses[0] == "IN_PROGRESS"
    assert statuses[-1] in ("COMPLETED", "FAILED")
    assert any(hasattr(f, "event") for f in frames)  # log frames too
    assert not caplog.records
