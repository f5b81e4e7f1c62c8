"""The models against the official spec: generated valid payloads, drift and damage."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hedra_tui.api.errors import PayloadError
from hedra_tui.api.models import (
    AIModel,
    CreditBalance,
    ErrorCode,
    GenerationReasonCode,
    GenerationStatus,
    GenerationStatusResponse,
    known,
    parse_generation,
    parse_generation_page,
    parse_lenient,
)

from ..spec import spec_text
from .spec_strategies import (
    ai_model_strategy,
    credit_balance_strategy,
    generation_strategy,
    page_strategy,
    status_response_strategy,
)

FAST = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def doc_example() -> dict:
    text = spec_text("list-generations-doc.txt")
    obj, _ = json.JSONDecoder().raw_decode(text[text.index("{") :])
    return obj


@FAST
@given(generation_strategy())
def test_every_spec_valid_generation_parses_whole(data):
    gen = parse_generation(data)
    assert gen.raw is data
    assert gen.id == data["id"]
    assert gen.status == data["status"]
    assert gen.type == data["type"]
    assert gen.progress == data["progress"]
    assert gen.parse_issues == []


@FAST
@given(status_response_strategy())
def test_every_spec_valid_status_response_parses(data):
    status = parse_lenient(GenerationStatusResponse, data)
    assert status.id == data["id"] and status.status == data["status"]
    assert status.parse_issues == []


@FAST
@given(credit_balance_strategy())
def test_every_spec_valid_credit_balance_parses(data):
    assert parse_lenient(CreditBalance, data).remaining == data["remaining"]


@FAST
@given(ai_model_strategy())
def test_every_spec_valid_model_parses(data):
    model = parse_lenient(AIModel, data)
    assert model.slug == data["slug"] and model.parse_issues == []


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(page_strategy())
def test_every_spec_valid_page_parses_without_malformed_items(data):
    page = parse_generation_page(data, limit=100, offset=0)
    assert len(page.items) == len(data["data"]) and page.malformed == []


@FAST
@given(generation_strategy(), st.text(min_size=1, max_size=20))
def test_unknown_status_and_error_codes_are_kept_as_sent(data, word):
    data = copy.deepcopy(data)
    data["status"] = "status-" + word
    data["error"] = {"type": "CODE_" + word, "reason_code": "REASON_" + word, "message": word}
    gen = parse_generation(data)
    assert gen.status == "status-" + word and not known(GenerationStatus, gen.status)
    assert gen.error.type == "CODE_" + word and not known(ErrorCode, gen.error.type)
    assert gen.error.reason_code == "REASON_" + word
    assert not known(GenerationReasonCode, gen.error.reason_code)


def test_extra_fields_are_kept_top_level_and_nested():
    data = copy.deepcopy(doc_example()["data"][0])
    data["priority"] = 3
    data["error"]["hint"] = {"deep": [1, 2]}
    data["asset"]["asset"]["codec"] = "av1"
    gen = parse_generation(data)
    assert gen.model_extra == {"priority": 3}
    assert gen.error.model_extra == {"hint": {"deep": [1, 2]}}
    assert gen.asset.asset.model_extra == {"codec": "av1"}
    assert gen.raw["priority"] == 3


def test_wrong_typed_fields_are_dropped_and_reported_not_fatal():
    data = copy.deepcopy(doc_example()["data"][0])
    data["progress"] = "abc"
    data["eta_sec"] = {}
    data["error"]["violations"] = "x"
    gen = parse_generation(data)
    assert gen.progress == 0.0 and gen.eta_sec is None
    assert {i.split(":")[0] for i in gen.parse_issues} == {"progress", "eta_sec"}
    assert gen.error.violations is None and gen.error.parse_issues
    assert gen.status == "complete"  # the rest survived
    assert gen.raw["progress"] == "abc"  # and the raw value is kept


@pytest.mark.parametrize("bad", [{"status": "queued"}, {"id": 12}, "a string", 7, None, []])
def test_one_malformed_item_does_not_sink_its_page(bad):
    good = doc_example()["data"][0]
    page = parse_generation_page(
        {"page_info": {"limit": 3, "offset": 0}, "data": [good, bad, good]}, limit=3, offset=0
    )
    assert len(page.items) == 2
    assert len(page.malformed) == 1 and page.malformed[0].index == 1 and page.malformed[0].reason


@pytest.mark.parametrize("payload", [{"page_info": {}}, {"data": "x"}, [], "html", None])
def test_a_page_without_a_data_list_is_a_payload_error(payload):
    with pytest.raises(PayloadError):
        parse_generation_page(payload, limit=10, offset=0)


def test_missing_page_info_falls_back_to_the_request():
    page = parse_generation_page({"data": []}, limit=10, offset=30)
    assert (page.page_info.limit, page.page_info.offset) == (10, 30)


def test_the_doc_example_payload_parses_with_its_odd_keys():
    doc = doc_example()
    page = parse_generation_page(doc, limit=100, offset=0)
    assert page.malformed == []
    gen = page.items[0]
    assert gen.status == "complete" and gen.type == "text"
    assert gen.input["generated_video_inputs"]["bounding_box_target"] == {"[0]": 0.5, "[1]": 0.5}
    assert gen.asset.best_url == "<string>"
    assert gen.error.type == "UNKNOWN"
    assert gen.raw == doc["data"][0]


def test_a_minimal_generation_parses():
    gen = parse_generation({"id": "x"})
    assert gen.status == "" and gen.input is None and gen.parse_issues == []
