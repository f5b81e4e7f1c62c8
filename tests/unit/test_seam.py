"""The backend seam: capabilities, the typed balance, the facts the header and the detail
pane are given, and the feed that gathers live changes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from hedra_tui.api.backend import CREDITS, Balance
from hedra_tui.api.models import parse_generation
from hedra_tui.api.sanitize import is_safe
from hedra_tui.api.v2 import V2Client
from hedra_tui.api.v3 import V3Client
from hedra_tui.state.detail import job_detail
from hedra_tui.state.filters import ServerFilters
from hedra_tui.state.header import Ledger
from hedra_tui.state.poller import Poller
from hedra_tui.state.reports import ChangeFeed
from hedra_tui.state.store import Store
from hedra_tui.state.strategies import PagedStrategy, V3Strategy

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HOSTILE = "\x1b]52;c;aGk=\x07\u202eevil[/]\x9b2J"


def test_each_backend_states_what_it_can_do_and_gets_its_strategy():
    v2 = V2Client("k", "http://127.0.0.1:9")
    v3 = V3Client("key:secret", "http://127.0.0.1:9")
    assert v2.capabilities.server_filters and v2.capabilities.batch_status
    assert not v2.capabilities.live_streams and not v2.capabilities.money
    assert v3.capabilities.live_streams and v3.capabilities.lifecycle_logs
    assert not v3.capabilities.server_filters and v3.capabilities.money
    assert isinstance(Poller(v2, Store()).strategy, PagedStrategy)
    assert isinstance(Poller(v3, Store()).strategy, V3Strategy)
    # a backend without server-side filters is asked for the whole list
    assert not Poller(v3, Store(), filters=ServerFilters(type="video")).filters
    assert Poller(v2, Store(), filters=ServerFilters(type="video")).filters.type == "video"


def test_the_ledger_says_the_balance_and_what_the_session_spent():
    credits = Ledger("v2", money=False)
    assert credits.money(None) is None  # v2 says nothing until it knows
    first = Balance(1_000.0, CREDITS)
    credits.note(first)
    credits.note(Balance(900.0, CREDITS))  # only the first balance counts as the start
    assert credits.money(Balance(880.0, CREDITS)).credits == 880
    assert credits.spent(Balance(880.0, CREDITS)).credits == 120

    money = Ledger("v3", money=True)
    unknown = money.money(None)
    assert unknown is not None and unknown.text == "?" and unknown.api == "v3"
    money.note(Balance(250.0, "USD"))
    assert money.money(Balance(249.5, "USD")).text == "$249.50"
    assert money.spent(Balance(249.5, "USD")).money == "$0.50"
    assert money.money(Balance(10.0, "EUR")).text == "10.00 EUR"
    assert money.money(Balance(None, "USD")).text == "?"
    assert money.money(Balance(1.0, HOSTILE)).text is not None
    assert is_safe(money.money(Balance(1.0, HOSTILE)).text or "")


def test_the_detail_of_a_job_is_safe_text_before_any_widget_sees_it():
    store = Store(clock=lambda: NOW)
    raw = {
        "id": "g1",
        "status": "error",
        "created_at": (NOW - timedelta(minutes=3)).isoformat(),
        "input": {"text_prompt": "a fox " + HOSTILE},
        "error": {
            "type": "INVALID_ARGUMENT",
            "reason_code": HOSTILE,
            "message": "bad\n" + HOSTILE,
            "param": HOSTILE,
            "violations": [{"field": HOSTILE, "message": HOSTILE}],
        },
        "asset": {"asset": {"type": "other", "url": "https://x.example/a" + HOSTILE}},
    }
    store.upsert([parse_generation(raw)])
    detail = job_detail(store.rows["g1"], store, NOW, full=True)
    err = detail.error
    assert err is not None
    texts = [
        detail.prompt,
        err.reason,
        err.param,
        err.message.replace("\n", ""),
        *(v.field + v.message for v in err.violations),
        *(o.url or "" for o in detail.outputs),
    ]
    assert all(is_safe(t) for t in texts), texts
    assert "evil" in err.param and err.message.startswith("bad\n")
    assert detail.outputs and detail.outputs[0].link is None  # not a safe hyperlink target


async def test_live_changes_are_gathered_to_at_most_one_batch_a_period():
    feed = ChangeFeed()
    batches = feed.batches(every=0.2)
    feed.add({"a"})
    first = await asyncio.wait_for(anext(batches), 1)  # the first change goes at once
    assert first.changed == {"a"}
    loop = asyncio.get_running_loop()
    started = loop.time()
    for name in "bcd":  # frames keep coming: they wait for the period and go together
        feed.add({name}, finished={"d"} if name == "d" else ())
        await asyncio.sleep(0.02)
    second = await asyncio.wait_for(anext(batches), 1)
    assert second.changed == {"b", "c", "d"} and second.finished == {"d"}
    assert loop.time() - started >= 0.15
    await batches.aclose()
