"""The event feed in the SDK and the CLI, no server: pages, the cursor the iterator stands at, follow
(waits on the server, retries past a 503), `gpuaas events` in each format."""

from __future__ import annotations

import io
import json

import pytest
from gpuaas_client import Client
from gpuaas_client.cli import main
from responses import matchers

from tests.unit.client.conftest import BASE

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("config")]

URL = f"{BASE}/v1/events"
ALC = "alc_" + "d" * 26
ORG = "org_" + "e" * 26


def event(n: int, event_type: str = "allocation.active") -> dict:
    data = {"allocation_id": ALC, "org_id": ORG, "state": "active", "version": n}
    return {"id": f"evt_{n:026d}", "type": event_type, "timestamp": f"2026-12-03T10:00:0{n}.000Z", "data": data}


def page(cursor: str, *events: dict) -> dict:
    return {"items": list(events), "next_cursor": cursor}


@pytest.fixture
def signed_in(config):
    config.put_api_key("default", BASE, "gpk_x")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_events_reads_every_page_and_stands_after_the_last_event(http):
    http.get(URL, json=page("c1", event(1), event(2)), match=[matchers.query_param_matcher({"types": "allocation.*"})])
    http.get(
        URL, json=page("c2", event(3)), match=[matchers.query_param_matcher({"after": "c1", "types": "allocation.*"})]
    )
    http.get(URL, json=page("c2"), match=[matchers.query_param_matcher({"after": "c2", "types": "allocation.*"})])
    feed = Client(BASE, api_key="gpk_x").events(types=["allocation.*"])
    first = next(feed)
    assert first.id == event(1)["id"] and feed.cursor is None  # page c1 is not read to its end yet
    assert [e.id for e in feed] == [event(2)["id"], event(3)["id"]]
    assert feed.cursor == "c2"


def test_following_waits_on_the_server_and_reads_again_after_a_503(http):
    http.get(URL, json=page("c1", event(1)), match=[matchers.query_param_matcher({"after": "c0", "wait": "20"})])
    http.get(URL, status=503, json={"error": {"code": "SERVICE_UNAVAILABLE", "message": "x", "request_id": "r"}})
    http.get(URL, json=page("c1"), match=[matchers.query_param_matcher({"after": "c1", "wait": "20"})])
    http.get(URL, json=page("c2", event(2)), match=[matchers.query_param_matcher({"after": "c1", "wait": "20"})])
    client = Client(BASE, api_key="gpk_x")
    client.sleep = lambda _s: None
    feed = client.events(after="c0", follow=True)
    assert [next(feed).id, next(feed).id] == [event(1)["id"], event(2)["id"]]
    assert feed.cursor == "c2"


def test_gpuaas_events_prints_lines_json_lines_or_ids_and_the_cursor_to_resume_from(http, signed_in):
    for _ in range(3):
        http.get(URL, json=page("c1", event(1), event(2, "allocation.released")))
        http.get(URL, json=page("c1"))
    code, out, err = run("events")
    assert code == 0 and err.strip() == "cursor: c1"
    assert out.splitlines()[1].split() == ["2026-12-03T10:00:02.000Z", "allocation.released", ALC, event(2)["id"]]
    code, out, _ = run("events", "-o", "json")
    assert [json.loads(line) for line in out.splitlines()] == [event(1), event(2, "allocation.released")]
    code, out, _ = run("events", "--quiet")
    assert out.splitlines() == [event(1)["id"], event(2)["id"]]


def test_gpuaas_events_passes_after_and_types(http, signed_in):
    http.get(
        URL, json=page("c9"), match=[matchers.query_param_matcher({"after": "c5", "types": "balance.low,payment.*"})]
    )
    code, out, err = run("events", "--after", "c5", "--types", "balance.low, payment.*")
    assert code == 0 and out == "" and "cursor: c9" in err
