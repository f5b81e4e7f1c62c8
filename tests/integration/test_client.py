"""The API client against the simulator over a real loopback socket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hedra_tui.api.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    ConfigError,
    PayloadError,
    RateLimitError,
    ServerError,
)
from hedra_tui.api.v2 import V2Client
from hedra_tui.state.derive import parse_time, prompt_of

from .helpers import clear_faults, reset_stats, set_fault, stats


class SleepRecorder:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps():
    return SleepRecorder()


@pytest.fixture
async def client(sim, sleeps):
    clear_faults(sim)
    reset_stats(sim)
    async with V2Client(sim.api_key, sim.base_url, timeout=2.0, sleep=sleeps, rng=lambda: 0.0) as c:
        yield c
    clear_faults(sim)


async def test_first_page_is_newest_first_with_page_info(client):
    page = await client.list_generations(limit=50)
    assert page.page_info.limit == 50 and page.page_info.offset == 0
    assert len(page.items) == 50
    times = [parse_time(g.created_at) for g in page.items]
    assert times == sorted(times, reverse=True)
    assert not page.malformed


async def test_iterating_pages_reaches_every_generation_once(client, sim):
    seen = [g.id async for g in client.iter_generations(page_size=100)]
    assert len(seen) == len(set(seen))
    assert len(seen) >= 500  # history + in flight
    # full pages until a short one: ceil(n / 100), plus one empty page when n divides evenly
    expected = len(seen) // 100 + 1
    assert stats(sim)["requests"]["/generations"] == expected


async def test_limit_outside_1_to_100_is_refused_before_sending(client):
    with pytest.raises(ValueError):
        await client.list_generations(limit=101)
    with pytest.raises(ValueError):
        await client.list_generations(limit=0)


async def test_type_filter_returns_only_that_type(client):
    page = await client.list_generations(type="video", limit=100)
    assert page.items
    assert all(g.type == "video" or (g.input or {}).get("type") == "video" for g in page.items)


async def test_prompt_query_filter_matches_prompt_text(client):
    first = (await client.list_generations(limit=20)).items
    word = next(w for g in first for w in prompt_of(g).split() if len(w) > 5)
    page = await client.list_generations(prompt_query=word.upper(), limit=100)
    assert page.items
    assert all(word.lower() in prompt_of(g).lower() for g in page.items)


async def test_created_after_and_before_bound_the_page(client):
    items = (await client.list_generations(limit=100)).items
    pivot = parse_time(items[50].created_at)
    after = (await client.list_generations(created_after=pivot, limit=100)).items
    assert after and all(parse_time(g.created_at) >= pivot for g in after)
    before = (await client.list_generations(created_before=pivot, limit=100)).items
    assert before and all(parse_time(g.created_at) <= pivot for g in before)
    far = datetime.now(UTC) + timedelta(days=3650)
    assert (await client.list_generations(created_after=far)).items == []


async def test_agent_thread_filter(client):
    items = [g async for g in client.iter_generations()]
    with_thread = [g for g in items if (g.input or {}).get("agent_thread_id")]
    assert with_thread, "the simulator should set agent_thread_id on some jobs"
    thread = with_thread[0].input["agent_thread_id"]
    page = await client.list_generations(agent_thread_id=thread)
    assert page.items and all(g.input["agent_thread_id"] == thread for g in page.items)


async def test_ids_filter_returns_exactly_those(client):
    items = (await client.list_generations(limit=30)).items
    wanted = [g.id for g in items[::3]]
    page = await client.list_generations(ids=wanted)
    assert sorted(g.id for g in page.items) == sorted(wanted)


async def test_refresh_batches_ids_one_request_per_hundred(client, sim):
    ids = [g.id async for g in client.iter_generations()][:250]
    reset_stats(sim)
    got = await client.refresh(ids)
    assert sorted(g.id for g in got) == sorted(ids)
    assert stats(sim)["requests"]["/generations"] == 3
    assert client.stats.ids_requested == 250


async def test_status_credits_and_models(client):
    gen = (await client.list_generations(limit=1)).items[0]
    status = await client.get_status(gen.id)
    assert status.id == gen.id and status.status
    credits = await client.get_credits()
    assert credits.remaining >= 0
    models = await client.list_models()
    assert models and all(m.slug and m.name for m in models)


async def test_wrong_key_is_an_authentication_error_without_the_key(sim):
    async with V2Client("sk-wrong-key-xyz", sim.base_url) as bad:
        with pytest.raises(AuthenticationError) as info:
            await bad.list_generations()
    assert info.value.status_code == 401
    assert "sk-wrong-key-xyz" not in str(info.value)
    assert "HEDRA_API_KEY" in str(info.value)


async def test_injected_401_is_not_retried(client, sim, sleeps):
    set_fault(sim, "401", count=1)
    with pytest.raises(AuthenticationError):
        await client.get_credits()
    assert sleeps.delays == []


async def test_server_error_is_retried_then_recovers(client, sim, sleeps):
    set_fault(sim, "503", count=2)
    page = await client.list_generations(limit=5)
    assert len(page.items) == 5
    assert sleeps.delays == [0.25, 0.5]  # backoff with rng=0: half of 0.5 s, then of 1 s


async def test_server_error_after_retries_raises_server_error(client, sim, sleeps):
    set_fault(sim, "500", count=10)
    with pytest.raises(ServerError) as info:
        await client.list_generations(limit=5)
    assert info.value.status_code == 500
    assert len(sleeps.delays) == 2


async def test_html_error_page_is_a_server_error_saying_so(client, sim):
    set_fault(sim, "html", count=10)
    with pytest.raises(ServerError, match="HTML"):
        await client.list_generations(limit=5)


async def test_429_waits_retry_after_then_recovers(client, sim, sleeps):
    set_fault(sim, "429", count=1, retry_after=3)
    page = await client.list_generations(limit=5)
    assert page.items
    assert sleeps.delays == [3.0]


async def test_long_retry_after_is_raised_for_the_caller_to_wait(client, sim, sleeps):
    set_fault(sim, "429", count=5, retry_after=45)
    with pytest.raises(RateLimitError) as info:
        await client.list_generations(limit=5)
    assert info.value.retry_after == 45
    assert sleeps.delays == []


async def test_slow_response_past_timeout_is_a_timeout_error(sim, sleeps):
    set_fault(sim, "slow", count=10, delay=3)
    async with V2Client(sim.api_key, sim.base_url, timeout=0.5, max_retries=0) as c:
        with pytest.raises(APITimeoutError):
            await c.list_generations(limit=5)
    clear_faults(sim)


async def test_dropped_connection_is_a_connection_error(client, sim):
    set_fault(sim, "drop", count=10)
    with pytest.raises(APIConnectionError):
        await client.list_generations(limit=5)


async def test_truncated_body_is_a_connection_error(client, sim):
    set_fault(sim, "truncated", count=10)
    with pytest.raises(APIConnectionError):
        await client.list_generations(limit=5)


async def test_invalid_json_is_a_payload_error(client, sim):
    set_fault(sim, "invalid_json", count=10)
    with pytest.raises(PayloadError, match="not valid JSON"):
        await client.list_generations(limit=5)


async def test_unreachable_host_is_a_connection_error():
    async with V2Client("k", "http://127.0.0.1:9", timeout=1, max_retries=0) as c:
        with pytest.raises(APIConnectionError):
            await c.get_credits()


def test_client_refuses_plain_http_to_a_remote_host():
    with pytest.raises(ConfigError, match="plain http"):
        V2Client("k", "http://api.example.com")
    with pytest.raises(ConfigError, match="no API key"):
        V2Client("", "https://api.example.com")


def test_client_repr_hides_the_key():
    c = V2Client("sk-very-secret", "https://api.example.com")
    assert "sk-very-secret" not in repr(c)
