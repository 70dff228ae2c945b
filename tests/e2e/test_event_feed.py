"""The event feed end to end on the local cloud: the org's public events in order through
outbox -> EventBridge -> EventFeedQueue -> functions.event_feed -> GET /v1/events, with the
internal events' ids; types, the cursor, the long-poll, billing's force-release, the CLI's
``--follow``, and tenant isolation. Every body is checked with validate_public_event()."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from gpuaas_client.cli import main

from chalicelib.core.public_events import PublicEvent
from chalicelib.storage.feed_repo import DynamoEventFeed
from tests.e2e.fleet_helpers import customer_with_key
from tests.e2e.test_billing import Rig, parse
from tests.support.contracts import validate_public_event

pytestmark = pytest.mark.e2e

LIFECYCLE = ["allocation.requested", "allocation.active", "allocation.releasing", "allocation.released"]


def feed(rig: Rig, **params: Any) -> dict[str, Any]:
    r = rig.call("GET", "/v1/events", params=params)
    assert r.status_code == 200, r.text
    page = r.json()
    for body in page["items"]:
        validate_public_event(body)
    return page


def everything(rig: Rig, **params: Any) -> tuple[list[dict[str, Any]], str]:
    """Every event of the org's feed now (page by page), and the cursor after them."""
    events: list[dict[str, Any]] = []
    cursor = params.pop("after", None)
    while True:
        page = feed(rig, **params, **({"after": cursor} if cursor else {}), limit=2)
        events += page["items"]
        cursor = page["next_cursor"]
        if not page["items"]:
            return events, cursor


def internal_ids(rig: Rig, allocation_id: str) -> dict[str, str]:
    history = rig.call("GET", f"/v1/allocations/{allocation_id}/events").json()["items"]
    return {e["type"]: e["id"] for e in history}


@pytest.fixture
def rig(api, cloud) -> Rig:
    return Rig(api, cloud, "feed")


def test_renting_and_releasing_fill_the_feed_in_order_with_the_internal_ids(rig, cloud):
    allocation = rig.rent()
    cloud.drain()  # the feed's order is the order events reach it: deliver each step's before the next
    rig.release(allocation["id"])
    cloud.drain()
    events, cursor = everything(rig)
    lifecycle = [e for e in events if e["type"].startswith("allocation.")]
    assert [e["type"] for e in lifecycle] == LIFECYCLE
    ids = internal_ids(rig, allocation["id"])
    assert [e["id"] for e in lifecycle] == [ids[t] for t in LIFECYCLE]  # the same events, the same ids
    versions = [e["data"]["version"] for e in lifecycle]
    assert versions == sorted(versions) and len(set(versions)) == 4
    assert {e["data"]["allocation_id"] for e in lifecycle} == {allocation["id"]}
    # The welcome credit is a promotion, not a payment: nothing else is in the feed.
    assert [e["type"] for e in events if not e["type"].startswith("allocation.")] == []
    # Types filter; the cursor moves past what it filtered out.
    only = feed(rig, types="allocation.active,allocation.released")
    assert [e["type"] for e in only["items"]] == ["allocation.active", "allocation.released"]
    assert feed(rig, after=only["next_cursor"])["items"] == []
    assert feed(rig, after=cursor)["items"] == []
    # Bad input is a 400 from the catalog.
    bad = rig.call("GET", "/v1/events", params={"after": "not-a-cursor"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "INVALID_CURSOR"
    unknown = rig.call("GET", "/v1/events", params={"types": "allocation.exploded"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "VALIDATION_ERROR"
    operator_only = rig.call("GET", "/v1/events", params={"types": "node.down"})
    assert operator_only.status_code == 400


def test_the_cursor_resumes_and_another_org_never_sees_the_events(rig, api, cloud):
    first = rig.rent()
    cloud.drain()
    before, cursor = everything(rig)
    rig.release(first["id"])
    cloud.drain()
    after, _ = everything(rig, after=cursor)
    assert [e["type"] for e in after] == ["allocation.releasing", "allocation.released"]
    assert not {e["id"] for e in before} & {e["id"] for e in after}
    stranger = customer_with_key(api, "stranger", role="owner")
    theirs = api.request("GET", "/v1/events", role=None, headers=stranger).json()
    assert theirs["items"] == []
    # A cursor of another org's feed is not theirs to use.
    r = api.request("GET", "/v1/events", role=None, headers=stranger, params={"after": cursor})
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_CURSOR"
    # Any member may read, a viewer too.
    viewer = {"Authorization": f"Bearer {api.token('viewer', user='feed-viewer', org='feed-org')}"}
    seen = api.request("GET", "/v1/events", role=None, headers=viewer).json()["items"]
    assert [e["id"] for e in seen] == [e["id"] for e in before + after]


def test_a_long_poll_returns_as_soon_as_an_event_commits(rig, cloud):
    cloud.drain()
    _, cursor = everything(rig)
    answer: dict[str, Any] = {}

    def poll() -> None:
        started = time.monotonic()
        answer["page"] = feed(rig, after=cursor, wait=15)
        answer["seconds"] = time.monotonic() - started

    waiter = threading.Thread(target=poll)
    waiter.start()
    time.sleep(0.5)  # the poll is waiting on the server before the event exists
    assert "page" not in answer
    created = rig.create()
    assert created.status_code == 202
    committed = time.monotonic()
    cloud.drain()  # outbox -> bus -> EventFeedQueue -> the feed (the test's cloud runs its pollers on demand)
    waiter.join(timeout=15)
    assert time.monotonic() - committed < 5  # answered as soon as it was in the feed, not at the end of the wait
    assert [e["type"] for e in answer["page"]["items"]] == ["allocation.requested"]
    assert answer["seconds"] < 10  # well before the wait ran out
    empty = feed(rig, after=answer["page"]["next_cursor"], wait=1)
    assert empty["items"] == [] and empty["next_cursor"] == answer["page"]["next_cursor"]


def test_a_force_release_by_billing_shows_depletion_and_force_released(api, cloud):
    api.request("PATCH", "/v1/admin/billing-policy", json={"welcome_credit_micros": 30_000, "min_runway_seconds": 0,
                                                           "grace_seconds": 60})  # fmt: skip
    rig = Rig(api, cloud, "broke")
    allocation = rig.rent()
    start = parse(allocation["activated_at"])
    rig.sweep(start + timedelta(seconds=125))  # past its 30 s of credit
    depleted_at = parse(rig.balance()["depleted_at"])
    rig.sweep(depleted_at + timedelta(seconds=61))  # past the grace period: billing releases it
    [wipe] = rig.host.commands()
    rig.host.report(wipe["command_id"], wiped=True)
    rig.wait(allocation["id"], "released")
    cloud.drain()
    events, _ = everything(rig)
    types = [e["type"] for e in events]
    assert types.index("balance.depleted") < types.index("allocation.force_released")
    assert types.count("balance.low") == 2 and types.count("allocation.expiring") == 1
    # One transaction wrote the first two: the bus may hand them over in either order.
    assert sorted(types[-3:-1]) == ["allocation.force_released", "allocation.releasing"]
    assert types[-1] == "allocation.released"
    forced = next(e for e in events if e["type"] == "allocation.force_released")
    assert forced["data"]["release_reason"] == "balance_depleted"
    assert forced["data"]["allocation_id"] == allocation["id"]
    expiring = next(e for e in events if e["type"] == "allocation.expiring")
    assert expiring["data"]["allocation_ids"] == [allocation["id"]]
    low = [e["data"]["version"] for e in events if e["type"] in ("balance.low", "balance.depleted")]
    assert low == sorted(low)


def test_the_cli_follows_the_feed_as_json_lines_and_ctrl_c_exits_130(rig, cloud, tmp_path, monkeypatch):
    key = rig.call("POST", "/v1/api-keys", json={"name": "feed follower", "scopes": ["read"]})
    assert key.status_code == 201, key.text
    env = {**os.environ, "GPUAAS_CONFIG_DIR": str(tmp_path / "gpuaas"), "GPUAAS_API_URL": cloud.api_url}
    env.pop("GPUAAS_API_KEY", None)
    monkeypatch.setenv("GPUAAS_CONFIG_DIR", env["GPUAAS_CONFIG_DIR"])
    monkeypatch.setenv("GPUAAS_API_URL", cloud.api_url)
    monkeypatch.setenv("GPUAAS_API_KEY", key.json()["secret"])
    out, err = io.StringIO(), io.StringIO()
    assert main(["login", "--api-key"], stdout=out, stderr=err) == 0, err.getvalue()
    follower = subprocess.Popen(
        [sys.executable, "-m", "gpuaas_client.cli", "events", "--follow", "-o", "json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[dict[str, Any]] = []

    def read() -> None:
        assert follower.stdout is not None
        for line in follower.stdout:
            lines.append(json.loads(line))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        allocation = rig.rent()
        cloud.drain()
        rig.release(allocation["id"])
        deadline = time.monotonic() + 15
        while len(lines) < 4 and time.monotonic() < deadline:
            cloud.drain()
            time.sleep(0.1)
    finally:
        follower.send_signal(signal.SIGINT)
        code = follower.wait(timeout=15)
    assert [e["type"] for e in lines] == LIFECYCLE
    for body in lines:
        validate_public_event(body)
    assert code == 130
    assert follower.stderr is not None and "cursor: " in follower.stderr.read()


def test_concurrent_appends_to_one_feed_leave_no_gap_and_no_duplicate(cloud):
    """Many writers at once against the local cloud's DynamoDB: the sequence is 1..N without a gap,
    each event once (a redelivery appends nothing), in strictly increasing order."""
    store = DynamoEventFeed()
    org = "org_01m8697e3xwr9jvzy4vye9hy23"
    writers, per_writer = 8, 12
    got: list[int | None] = []
    lock = threading.Lock()
    expires = parse("2027-01-01T00:00:00.000Z")

    def event(writer: int, n: int) -> PublicEvent:
        suffix = f"{writer:02d}{n:02d}".replace("0", "a")
        event_id = f"evt_01m8e14x4trehhrv8yn4pn{suffix}"
        data = {"org_id": org, "writer": writer, "n": n}
        return PublicEvent(event_id, "balance.low", "2026-12-03T10:00:00.000Z", org, org, data)

    def write(writer: int) -> None:
        for n in range(per_writer):
            seq = store.append(org, event(writer, n), expires)
            again = store.append(org, event(writer, n), expires)  # a redelivered message
            with lock:
                got.extend([seq, again])

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = writers * per_writer
    numbers = [s for s in got if s is not None]
    assert sorted(numbers) == list(range(1, total + 1))  # no gap, no number twice
    assert got.count(None) == total  # every redelivery appended nothing
    entries, position = store.read(org, 0, None, 1000)
    assert [e.seq for e in entries] == list(range(1, total + 1)) and position == total
    assert len({e.event_id for e in entries}) == total
    # Each writer's events are in its own order too (it appended them one after another).
    for w in range(writers):
        mine = [e.body["data"]["n"] for e in entries if e.body["data"]["writer"] == w]
        assert mine == list(range(per_writer))


def test_operator_events_go_to_the_platform_feed_only(rig, api, cloud):
    assert api.post(f"/v1/admin/nodes/{rig.host.node_id}/drain", json={"reason": "maintenance"}).status_code == 200
    cloud.drain()
    platform = api.get("/v1/admin/event-feed").json()
    [drained] = [e for e in platform["items"] if e["type"] == "node.drained"]
    validate_public_event(drained)
    assert drained["data"]["node"]["id"] == rig.host.node_id and drained["data"]["reason"] == "maintenance"
    assert [e["type"] for e in api.get("/v1/admin/event-feed", params={"types": "node.down"}).json()["items"]] == []
    assert all(not e["type"].startswith("node.") for e in feed(rig)["items"])  # never in an org's feed
    assert rig.call("GET", "/v1/admin/event-feed").status_code == 403  # customers are not operators
    # The org feed's cursor is not the platform feed's.
    r = api.get("/v1/admin/event-feed", params={"after": feed(rig)["next_cursor"]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_CURSOR"
