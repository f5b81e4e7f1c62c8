"""v3 webhook deliveries over a real socket: the simulator against the actions spec, the
client listing and redelivering, the refusals (409 in flight, 404 unknown), v2 saying no."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest

from hedra_tui.api.errors import APIStatusError, ConfigError, NotFoundError
from hedra_tui.api.v2 import V2Client
from hedra_tui.api.v3 import V3Client
from hedra_tui.simulator.v3 import v3_credential

from ..spec import spec_text
from .helpers import advance, stats

SPEC = json.loads(spec_text("hedra-openapi-v3-actions.json"))


def validate(instance: Any, schema_name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": SPEC["components"]}
    jsonschema.Draft202012Validator(schema).validate(instance)


def _client(sim) -> V3Client:
    return V3Client(v3_credential(sim.api_key), sim.base_url + "/v3", timeout=5.0)


def _http(sim) -> httpx.Client:
    return httpx.Client(
        base_url=sim.base_url + "/v3",
        headers={"Authorization": f"Key {v3_credential(sim.api_key)}"},
        timeout=10,
    )


def test_the_simulator_serves_deliveries_in_the_specs_shape(sim_factory):
    sim = sim_factory(count=400, inflight=8, seed=4, arrivals=False)
    with _http(sim) as http:
        body = http.get("/webhooks/deliveries", params={"limit": 100}).json()
        validate(body, "WebhookDeliveryListResponse")
        statuses = {d["status"] for d in body["data"]}
        assert {"DELIVERED", "FAILED"} <= statuses
        failed = [d for d in body["data"] if d["status"] == "FAILED"]
        assert all(d["last_error"]["code"] for d in failed)
        assert {d["last_response_status"] for d in failed} & {500, 404, 410}
        assert any(d["last_response_status"] is None for d in failed)  # no answer at all
        gone = http.post("/webhooks/deliveries/job_nope/redeliver")
        assert gone.status_code == 404
        validate(gone.json(), "ErrorResponse")
        replay = http.post(f"/webhooks/deliveries/{failed[0]['job_id']}/redeliver").json()
        validate(replay, "WebhookDeliverySummary")
        assert replay["status"] == "PENDING" and replay["redelivery_count"] == 1
        assert replay["redeliveries"][0]["status"] == "FAILED"


async def test_client_lists_pages_of_deliveries_newest_first(sim_factory):
    sim = sim_factory(count=300, inflight=4, seed=4, arrivals=False)
    async with _client(sim) as client:
        assert client.capabilities.webhooks
        first = await client.webhook_deliveries(limit=20)
        assert len(first.items) == 20 and first.next is not None
        second = await client.webhook_deliveries(limit=20, cursor=first.next)
        ids = [d.job_id for d in first.items + second.items]
        assert len(set(ids)) == 40
        created = [d.created_at or "" for d in first.items + second.items]
        assert created == sorted(created, reverse=True)
        failed = [d for d in first.items + second.items if d.failed]
        assert failed and all(d.error_code and d.attempts > 1 for d in failed)
        assert any(d.in_flight for d in first.items)  # jobs still running: PENDING


async def test_redelivery_changes_the_delivery_and_refuses_a_second_in_flight(sim_factory):
    sim = sim_factory(count=300, inflight=4, seed=4, arrivals=False)
    async with _client(sim) as client:
        page = await client.webhook_deliveries(limit=100)
        target = next(d for d in page.items if d.failed)
        after = await client.redeliver_webhook(target.job_id)
        assert (after.status, after.redelivery_count) == ("PENDING", 1)
        listed = {d.job_id: d for d in (await client.webhook_deliveries(limit=100)).items}
        assert listed[target.job_id].status == "PENDING"
        with pytest.raises(APIStatusError) as refused:
            await client.redeliver_webhook(target.job_id)
        assert refused.value.status_code == 409
        advance(sim, 10)
        listed = {d.job_id: d for d in (await client.webhook_deliveries(limit=100)).items}
        assert listed[target.job_id].status in ("DELIVERED", "FAILED")
        assert listed[target.job_id].attempts == target.attempts + 1
        with pytest.raises(NotFoundError):
            await client.redeliver_webhook("job_00000000-0000-0000-0000-000000000000")
    # the redelivery was sent once: never retried
    assert stats(sim)["requests"]["POST /v3/webhooks/deliveries/{job_id}/redeliver"] == 3


async def test_v2_has_no_webhook_deliveries(sim_factory):
    sim = sim_factory(count=5, inflight=0, seed=4, arrivals=False)
    async with V2Client(sim.api_key, sim.base_url) as client:
        assert not client.capabilities.webhooks
        with pytest.raises(ConfigError, match="v3 feature"):
            await client.webhook_deliveries()
