"""Resubmit over a real socket: v2 ``POST /generations`` (prices, 400/422 field errors, 402)
and v3 schemas, estimates and idempotent submits, each against the simulator."""

from __future__ import annotations

import pytest

from hedra_tui.api.backend import CREDITS, Resubmission
from hedra_tui.api.errors import APIConnectionError, PaymentRequiredError, ValidationFailedError
from hedra_tui.api.models import parse_generation
from hedra_tui.api.v2 import V2Client
from hedra_tui.api.v3 import V3Client
from hedra_tui.api.v3.models import generation_from_v3
from hedra_tui.simulator.v3 import v3_credential

from .helpers import control, inject, set_fault, stats


def _v2(sim) -> V2Client:
    return V2Client(sim.api_key, sim.base_url, timeout=5.0, max_retries=0)


def _v3(sim, **kw) -> V3Client:
    return V3Client(v3_credential(sim.api_key), sim.base_url + "/v3", timeout=5.0, **kw)


def _failed(sim, **fields):
    """A failed v2 generation served by the simulator (and read back as the client sees it)."""
    body = inject(sim, {"status": "error", "progress": 0.4, **fields})
    return parse_generation(body)


VIDEO_INPUT = {
    "type": "video",
    "ai_model_id": "",  # the model's id, set by the test
    "generated_video_inputs": {
        "text_prompt": "a red fox in the snow",
        "resolution": "720p",
        "aspect_ratio": "16:9",
        "duration_ms": 8000,
    },
    "generation_id": "11111111-1111-4111-8111-111111111111",
}


async def test_v2_resubmit_prices_from_the_model_and_starts_a_new_job(sim_factory):
    sim = sim_factory(count=20, inflight=0, seed=3, arrivals=False)
    async with _v2(sim) as client:
        models = await client.list_models()
        veo = next(m for m in models if m.slug == "google/veo-3")
        given = {**VIDEO_INPUT, "ai_model_id": veo.id}
        gen = _failed(sim, input=given)
        item = await client.resubmission(gen)
        assert item.ok and item.model == veo.id
        assert "generation_id" not in item.body  # the first job's reserved id stays with it
        assert item.body["generated_video_inputs"] == given["generated_video_inputs"]
        price = await client.price(item)
        # 120 credits a second (price_details: billing_unit second) x 8 s
        assert price.currency == CREDITS and price.amount == 960
        assert "8 s" in price.basis
        before = (await client.get_credits()).remaining
        new = await client.submit(item, idempotency_key="ignored-on-v2")
        assert new.id != gen.id and new.status == "queued"
        assert new.input is not None and new.input["generated_video_inputs"]["text_prompt"] == (
            "a red fox in the snow"
        )
        assert stats(sim)["requests"]["POST /generations"] == 1
        assert stats(sim)["submitted"] == 1
        # it progresses like any job and is listed newest first
        control(sim, "POST", "/_sim/advance", {"seconds": 30})
        (again,) = await client.refresh([new.id])
        assert again.status in ("processing", "finalizing", "complete")
        top = await client.list_page(limit=1)
        assert top.items[0].id == new.id
        assert (await client.get_credits()).remaining <= before


async def test_v2_a_value_the_model_refuses_is_a_400_naming_the_field(sim_factory):
    sim = sim_factory(count=5, inflight=0, seed=3, arrivals=False)
    async with _v2(sim) as client:
        gen = _failed(sim, input={"type": "image", "text_prompt": "a kite", "aspect_ratio": "7:3"})
        item = await client.resubmission(gen)
        with pytest.raises(ValidationFailedError) as caught:
            await client.submit(item, idempotency_key="k")
        err = caught.value
        assert err.status_code == 400 and err.code == "INVALID_ARGUMENT"
        assert [f.field for f in err.fields] == ["aspect_ratio"]
        assert "16:9" in err.fields[0].message
        assert "aspect_ratio" in err.short
    assert stats(sim)["submitted"] == 0


async def test_v2_input_that_breaks_the_schema_is_a_422_naming_the_field(sim_factory):
    sim = sim_factory(count=5, inflight=0, seed=3, arrivals=False)
    async with _v2(sim) as client:
        item = Resubmission("x", None, {"type": "text_to_speech", "text": "hello"})
        with pytest.raises(ValidationFailedError) as caught:
            await client.submit(item, idempotency_key="k")
        err = caught.value
        assert err.status_code == 422
        # FastAPI's loc without "body": the union's tag, then the field
        assert [f.field for f in err.fields] == ["text_to_speech.voice_id"]
        assert err.fields[0].message == "Field required"


async def test_v2_too_few_credits_is_a_402_with_what_was_needed(sim_factory):
    sim = sim_factory(count=5, inflight=0, seed=3, arrivals=False)
    control(sim, "POST", "/_sim/balance", {"credits": 3})
    async with _v2(sim) as client:
        given = {"type": "image", "text_prompt": "a kite", "model_slug": "openai/gpt-image-1"}
        item = await client.resubmission(_failed(sim, input=given))
        assert item.model == "openai/gpt-image-1"
        assert (await client.price(item)).amount == 8
        with pytest.raises(PaymentRequiredError) as caught:
            await client.submit(item, idempotency_key="k")
        err = caught.value
        assert err.available == 3 and err.needed == 8
        assert err.currency == "credits"
        assert "INSUFFICIENT_BALANCE" in err.message
    assert stats(sim)["submitted"] == 0


async def test_v2_a_job_without_input_is_refused_in_words(sim_factory):
    sim = sim_factory(count=5, inflight=0, seed=3, arrivals=False)
    async with _v2(sim) as client:
        gen = _failed(sim, input=None)
        item = await client.resubmission(gen)
        assert not item.ok and item.refusal == "the API sent no input for this job"


async def test_v2_a_submit_is_never_retried_by_the_client(sim_factory):
    """A 503 on POST /generations is raised, not retried: the job might exist already."""
    sim = sim_factory(count=5, inflight=0, seed=3, arrivals=False)
    client = V2Client(sim.api_key, sim.base_url, timeout=5.0, max_retries=2)
    async with client:
        gen = _failed(sim, input={"type": "image", "text_prompt": "a kite"})
        item = await client.resubmission(gen)
        set_fault(sim, "503", count=5, path="/generations")
        with pytest.raises(Exception) as caught:
            await client.submit(item, idempotency_key="k")
        assert getattr(caught.value, "status_code", None) == 503
    assert stats(sim)["requests"]["POST /generations"] == 1


# -- v3 -----------------------------------------------------------------------------------


def _v3_failed(sim, model: str, prompt: str | None = "a paper boat on a pond"):
    raw = {
        "job_id": "job_x1",
        "model": model,
        "status": "FAILED",
        "created_at": "2026-11-18T06:00:00Z",
        "prompt": prompt,
        "error": {"code": "UNAVAILABLE", "message": "try later"},
    }
    return generation_from_v3(raw)


async def test_v3_a_prompt_only_model_is_offered_priced_and_submitted(sim_factory):
    sim = sim_factory(count=5, inflight=0, seed=3, arrivals=False)
    async with _v3(sim) as client:
        item = await client.resubmission(_v3_failed(sim, "google/nano-banana"))
        assert item.ok and item.body == {"prompt": "a paper boat on a pond"}
        price = await client.price(item)
        assert price.currency == "USD" and price.amount == 0.04
        new = await client.submit(item, idempotency_key="key-1")
        assert new.id.startswith("job_") and new.status == "queued"
        assert new.raw["prompt"] == "a paper boat on a pond"
        assert new.raw["model"] == "google/nano-banana"
        # the schema was read once, for the model
        item2 = await client.resubmission(_v3_failed(sim, "google/nano-banana"))
        assert item2.ok
    assert stats(sim)["requests"]["/v3/models/google/nano-banana/openapi.json"] == 1


async def test_v3_a_model_that_needs_an_image_is_refused_naming_the_fields(sim_factory):
    sim = sim_factory(count=5, inflight=0, seed=3, arrivals=False)
    async with _v3(sim) as client:
        item = await client.resubmission(_v3_failed(sim, "kling/kling-2.5"))
        assert not item.ok
        assert item.refusal == (
            "kling/kling-2.5 also requires start_image, and a v3 job keeps only its prompt"
        )
        item = await client.resubmission(_v3_failed(sim, "hedra/character-3"))
        assert item.refusal is not None and "start_image, audio" in item.refusal
        item = await client.resubmission(_v3_failed(sim, "google/nano-banana", prompt=None))
        assert item.refusal == "its prompt is not known (not read yet?)"
        item = await client.resubmission(_v3_failed(sim, "acme/gone"))
        assert item.refusal == "the API no longer has acme/gone"


async def test_v3_the_same_idempotency_key_returns_the_same_job(sim_factory):
    sim = sim_factory(count=5, inflight=0, seed=3, arrivals=False)
    async with _v3(sim) as client:
        item = await client.resubmission(_v3_failed(sim, "bfl/flux-pro"))
        first = await client.submit(item, idempotency_key="same-key")
        again = await client.submit(item, idempotency_key="same-key")
        assert again.id == first.id
        other = await client.submit(item, idempotency_key="another-key")
        assert other.id != first.id
    assert stats(sim)["submitted"] == 2
    assert stats(sim)["requests"]["POST /v3/models/bfl/flux-pro"] == 3


async def test_v3_a_submit_whose_answer_is_lost_is_retried_and_starts_one_job(sim_factory):
    """The job starts, its answer is lost; the client sends the submit again under the same
    key and gets the first job back, not a second one."""
    sim = sim_factory(count=5, inflight=0, seed=3, arrivals=False)
    async with _v3(sim, max_retries=2) as client:
        item = await client.resubmission(_v3_failed(sim, "bfl/flux-pro"))
        set_fault(sim, "lost", count=1, path="/v3/models/bfl/flux-pro")
        new = await client.submit(item, idempotency_key="k-lost")
        assert new.raw["prompt"] == "a paper boat on a pond"
    assert stats(sim)["requests"]["POST /v3/models/bfl/flux-pro"] == 2
    assert stats(sim)["submitted"] == 1


async def test_v2_a_submit_whose_answer_is_lost_is_not_sent_again(sim_factory):
    """No idempotency key on v2: a lost answer is an error, never a second POST."""
    sim = sim_factory(count=5, inflight=0, seed=3, arrivals=False)
    client = V2Client(sim.api_key, sim.base_url, timeout=5.0, max_retries=2)
    async with client:
        item = await client.resubmission(_failed(sim, input={"type": "image", "text_prompt": "x"}))
        set_fault(sim, "lost", count=1, path="/generations")
        with pytest.raises(APIConnectionError):
            await client.submit(item, idempotency_key="k")
    assert stats(sim)["requests"]["POST /generations"] == 1
    assert stats(sim)["submitted"] == 1  # the job did start: only the list can tell


async def test_v3_field_errors_come_back_with_details(sim_factory):
    sim = sim_factory(count=5, inflight=0, seed=3, arrivals=False)
    async with _v3(sim) as client:
        item = Resubmission("x", "google/veo-3", {"prompt": "x", "aspect_ratio": "4:3"})
        with pytest.raises(ValidationFailedError) as caught:
            await client.price(item)
        err = caught.value
        assert err.status_code == 400 and err.code == "INVALID_ARGUMENT"
        (problem,) = err.fields
        assert problem.field == "input.aspect_ratio"
        assert problem.allowed == ("16:9", "9:16")
        assert "allowed: 16:9, 9:16" in str(problem)


async def test_v3_an_empty_wallet_is_a_402_with_the_billing_facts(sim_factory):
    sim = sim_factory(count=5, inflight=0, seed=3, arrivals=False)
    control(sim, "POST", "/_sim/balance", {"credits": 1})  # one cent
    async with _v3(sim) as client:
        item = await client.resubmission(_v3_failed(sim, "google/veo-3"))
        with pytest.raises(PaymentRequiredError) as caught:
            await client.submit(item, idempotency_key="k")
        err = caught.value
        assert err.available == 0.01 and err.needed == 9.6 and err.currency == "USD"
        assert err.funding_url is not None and err.funding_url.startswith("https://")
    assert stats(sim)["submitted"] == 0


async def test_a_dropped_submit_is_a_connection_error(sim_factory):
    sim = sim_factory(count=5, inflight=0, seed=3, arrivals=False)
    async with _v3(sim, max_retries=0) as client:
        item = await client.resubmission(_v3_failed(sim, "bfl/flux-pro"))
        set_fault(sim, "drop", count=1, path="/v3/models/bfl/flux-pro")
        with pytest.raises(APIConnectionError):
            await client.submit(item, idempotency_key="k-drop")
