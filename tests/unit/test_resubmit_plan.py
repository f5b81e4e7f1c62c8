"""Resubmit's pure parts: the plan's one yes, v2 prices from price_details, v3 input schemas
(read from the official spec's example models), refusals in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hedra_tui.api.backend import CREDITS, Price, Resubmission
from hedra_tui.api.errors import FieldProblem, PaymentRequiredError, ValidationFailedError
from hedra_tui.api.models import AIModel, AIModelPrice, parse_generation
from hedra_tui.api.v2 import resubmit as v2
from hedra_tui.api.v3 import resubmit as v3
from hedra_tui.api.v3.models import generation_from_v3
from hedra_tui.state.resubmit import Item, Phase, Plan, Step, problem_words

SPEC = json.loads((Path(__file__).parent.parent / "spec/hedra-openapi-v3-actions.json").read_text())


def _one_operation(model: str) -> dict:
    """What ``GET /models/{id}/openapi.json`` returns: that model's submit call alone."""
    return {
        "openapi": "3.1.0",
        "paths": {f"/models/{model}": SPEC["paths"][f"/models/{model}"]},
        "components": SPEC["components"],
    }


@pytest.mark.parametrize(
    ("model", "missing"),
    [
        ("nano-banana", ("aspect_ratio", "resolution")),
        ("gpt-image-2", ("aspect_ratio", "quality", "resolution")),
        ("veo-3", ("aspect_ratio", "duration_ms", "quality", "resolution")),
        ("hedra-character-3", ("aspect_ratio", "audio", "resolution", "start_image")),
    ],
)
def test_the_spec_models_need_more_than_a_prompt_and_the_refusal_names_it(model, missing):
    schema = v3.input_schema(_one_operation(model))
    assert "prompt" in schema.fields
    assert tuple(sorted(f for f in schema.required if f != "prompt")) == missing
    job = generation_from_v3({"job_id": "job_1", "model": model, "prompt": "a fox"})
    item = v3.resubmission(job, model, schema)
    assert item.refusal == (
        f"{model} also requires {', '.join(f for f in schema.required if f != 'prompt')}, "
        "and a v3 job keeps only its prompt"
    )


def test_a_required_field_with_a_default_needs_nothing_from_the_job():
    doc = _one_operation("nano-banana")
    inputs = json.loads(json.dumps(doc["components"]["schemas"]["Input_nano_banana"]))
    inputs["properties"]["aspect_ratio"]["default"] = "1:1"
    inputs["properties"]["resolution"]["default"] = "1K"
    doc["components"] = {"schemas": {**doc["components"]["schemas"], "Input_nano_banana": inputs}}
    schema = v3.input_schema(doc)
    assert schema.required == ("prompt",)
    job = generation_from_v3({"job_id": "job_1", "model": "nano-banana", "prompt": "a fox"})
    assert v3.resubmission(job, "nano-banana", schema).body == {"prompt": "a fox"}


def _model(cost: int, unit: str, scale: int = 1) -> AIModel:
    return AIModel(
        id="m1",
        slug="s/m1",
        name="M1",
        price_details=AIModelPrice(credit_cost=cost, unit_scale=scale, billing_unit=unit),
    )


def test_v2_prices_per_generation_second_and_character():
    video = Resubmission(
        "g", "m1", {"type": "video", "generated_video_inputs": {"duration_ms": 5500}}
    )
    assert v2.price(video, _model(30, "second")) == Price(
        165, CREDITS, "30 credits a second × 5.5 s"
    )
    speech = Resubmission("g", "m1", {"type": "text_to_speech", "text": "x" * 250, "batch_size": 2})
    price = v2.price(speech, _model(1, "character", 100))
    assert price.amount == 6 and price.basis.endswith("× 2 in the batch")  # ceil(2.5) x 2
    image = Resubmission("g", "m1", {"type": "image"})
    assert v2.price(image, _model(8, "generation")).amount == 8
    assert v2.price(image, None).amount is None
    assert v2.price(video, _model(30, "second")).amount is not None
    no_duration = Resubmission("g", "m1", {"type": "video"})
    assert v2.price(no_duration, _model(30, "second")).basis == (
        "price unknown: 30 credits a second, the input has no duration"
    )


def test_v2_resubmission_drops_the_ids_reserved_for_the_first_job():
    gen = parse_generation(
        {
            "id": "g1",
            "input": {
                "type": "image",
                "text_prompt": "x",
                "generation_id": "u1",
                "reserved_asset_ids": ["a"],
            },
        }
    )
    item = v2.resubmission(gen)
    assert item.ok and item.body == {"type": "image", "text_prompt": "x"}
    assert v2.resubmission(parse_generation({"id": "g2", "input": {"text": "x"}})).refusal == (
        "its input names no generation type"
    )


def _plan(*steps: Step) -> Plan:
    items = [Item(f"g{i}", "p", "m", step=s, price=Price(2, CREDITS)) for i, s in enumerate(steps)]
    return Plan(items, "this job", cap=20, phase=Phase.ASKING)


def test_a_plan_says_yes_once():
    plan = _plan(Step.READY, Step.READY, Step.REFUSED)
    assert plan.total == 4 and plan.total_text() == "4 credits"
    assert plan.confirm() is True
    assert plan.confirm() is False  # a second yes (or enter after y) sends nothing
    assert plan.phase is Phase.SENDING
    nothing = _plan(Step.REFUSED)
    assert nothing.confirm() is False and nothing.phase is Phase.ASKING
    cancelled = _plan(Step.READY)
    cancelled.cancel()
    assert cancelled.confirm() is False


def test_refusals_in_words_name_the_fields_and_the_shortfall():
    field = ValidationFailedError(
        "refused",
        status_code=400,
        fields=(FieldProblem("input.aspect_ratio", "bad", ("16:9", "9:16")),),
    )
    assert problem_words(field) == (
        "refused (400), field input.aspect_ratio: bad (allowed: 16:9, 9:16)"
    )
    money = PaymentRequiredError(
        "x", needed=9.6, available=0.01, currency="USD", funding_url="https://h/b"
    )
    assert problem_words(money) == (
        "not enough balance (402 INSUFFICIENT_BALANCE): needs $9.60, $0.01 left; "
        "add funds at https://h/b"
    )
