"""The terminal gateway end to end: tickets over the API, real WebSocket connections to the local
cloud's WebSocket API, the relay's handlers named by the template, and a test-side agent stand-in."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from chalicelib import bootstrap
from chalicelib.core.settings import get_settings
from tests.e2e.helpers import items_of_type
from tests.e2e.terminal_helpers import EchoAgent, TerminalRig, next_frame

pytestmark = pytest.mark.e2e


@pytest.fixture
def rig(api, cloud) -> TerminalRig:
    return TerminalRig(api, cloud, "term")


def _refused(connect) -> int:
    with pytest.raises(InvalidStatus) as refused:
        connect()
    return refused.value.response.status_code


def test_a_ticket_connects_once_and_asks_the_node_for_its_side(rig: TerminalRig):
    allocation = rig.rent()
    r = rig.ticket(allocation["id"], kind="shell", cols=120, rows=40)
    assert r.status_code == 201, r.text
    issued = r.json()
    assert issued["ticket"].startswith("tkt_") and issued["session_id"].startswith("trm_")
    assert issued["url"] == rig.cloud.ws_url and r.headers["Cache-Control"] == "no-store"
    with rig.client(issued):
        command = rig.open_terminal_command()
        assert command["node_id"] == rig.host.node_id
        assert command["payload"] == {
            "allocation_id": allocation["id"],
            "session_id": issued["session_id"],
            "kind": "shell",
            "url": issued["url"],
            "cols": 120,
            "rows": 40,
        }
        assert _refused(lambda: rig.client(issued)) == 403
    # Only the ticket's hash is stored.
    [ticket] = items_of_type(get_settings().table_name, "terminal_ticket")
    assert issued["ticket"] not in json.dumps(ticket)


def test_an_expired_ticket_is_refused(rig: TerminalRig, monkeypatch):
    allocation = rig.rent()
    monkeypatch.setenv("GPUAAS_TERMINAL_TICKET_TTL_SECONDS", "0")
    get_settings.cache_clear()
    bootstrap.reset()
    try:
        issued = rig.ticket(allocation["id"]).json()
        assert _refused(lambda: rig.client(issued)) == 403
    finally:
        monkeypatch.delenv("GPUAAS_TERMINAL_TICKET_TTL_SECONDS")
        get_settings.cache_clear()
        bootstrap.reset()
    assert rig.host.commands(wait=0.2, expect=1) == []


def test_an_unknown_ticket_and_a_missing_one_are_refused(rig: TerminalRig):
    from websockets.sync.client import connect

    assert _refused(lambda: connect(f"{rig.cloud.ws_url}?ticket=tkt_nothing", open_timeout=5)) == 403
    assert _refused(lambda: connect(rig.cloud.ws_url, open_timeout=5)) == 403


def test_another_orgs_allocation_is_not_found(rig: TerminalRig, api):
    allocation = rig.rent()
    stranger = {"Authorization": f"Bearer {api.token('owner', user='stranger', org='stranger-org')}"}
    r = rig.ticket(allocation["id"], headers=stranger)
    assert r.status_code == 404 and r.json()["error"]["code"] == "ALLOCATION_NOT_FOUND"


def test_an_agent_with_another_nodes_credential_is_refused(rig: TerminalRig, api):
    from tests.e2e.fleet_helpers import scripted_host

    allocation = rig.rent()
    other = scripted_host(api, rig.sku, "term-02.fleet", gpus=8)
    issued = rig.ticket(allocation["id"]).json()
    with rig.client(issued):
        command = rig.open_terminal_command()
        assert _refused(lambda: EchoAgent.for_command(command, other).connect()) == 403
        bad = EchoAgent(command["payload"]["url"], issued["session_id"], "gpn_not_a_token")
        assert _refused(bad.connect) == 403
        agent = EchoAgent.for_command(command, rig.host).connect()
        agent.close()


def test_two_connections_are_paired_and_frames_go_both_ways(rig: TerminalRig):
    allocation = rig.rent()
    issued = rig.ticket(allocation["id"]).json()
    with rig.client(issued) as client:
        agent = EchoAgent.for_command(rig.open_terminal_command(), rig.host).connect()
        assert next_frame(client) == {"type": "peer", "state": "connected"}
        client.send(json.dumps({"type": "hello", "ack": 0}))
        assert agent.next() == {"type": "hello", "ack": 0}
        client.send(json.dumps({"type": "data", "seq": 1, "data": "bHMK"}))
        assert agent.next() == {"type": "data", "seq": 1, "data": "bHMK"}
        assert next_frame(client) == {"type": "data", "seq": 1, "data": "bHMK"}
        agent.send({"type": "data", "seq": 2, "data": "b2sK"})
        assert next_frame(client) == {"type": "data", "seq": 2, "data": "b2sK"}
        client.send(json.dumps({"type": "ping"}))
        assert next_frame(client) == {"type": "pong"}
        agent.close()
        assert next_frame(client) == {"type": "peer", "state": "disconnected"}
        client.send(json.dumps({"type": "data", "seq": 2, "data": "eAo="}))
        assert next_frame(client) == {"type": "peer", "state": "disconnected"}


def test_an_oversized_frame_is_refused_and_the_session_goes_on(rig: TerminalRig):
    allocation = rig.rent()
    issued = rig.ticket(allocation["id"]).json()
    with rig.client(issued) as client:
        agent = EchoAgent.for_command(rig.open_terminal_command(), rig.host).connect()
        assert next_frame(client)["type"] == "peer"
        big = json.dumps({"type": "data", "seq": 1, "data": "A" * 40_000})
        # Two frames of 20 KB each: within the service's frame limit, over the relay's.
        client.send(iter([big[:20_000], big[20_000:]]))
        refused = next_frame(client)
        assert refused["type"] == "error" and refused["code"] == "FRAME_TOO_LARGE"
        client.send(json.dumps({"type": "data", "seq": 1, "data": "bHMK"}))
        assert next_frame(client) == {"type": "data", "seq": 1, "data": "bHMK"}
        assert agent.next() == {"type": "data", "seq": 1, "data": "bHMK"}
        agent.close()


def test_the_service_closes_a_connection_that_sends_a_frame_over_32_kb(rig: TerminalRig):
    allocation = rig.rent()
    issued = rig.ticket(allocation["id"]).json()
    with rig.client(issued) as client:
        client.send(json.dumps({"type": "data", "seq": 1, "data": "A" * 40_000}))
        with pytest.raises(ConnectionClosed):
            client.recv(timeout=5)
        assert client.close_code == 1009


def test_release_closes_the_session_on_both_sides(rig: TerminalRig):
    allocation = rig.rent()
    issued = rig.ticket(allocation["id"]).json()
    with rig.client(issued) as client:
        agent = EchoAgent.for_command(rig.open_terminal_command(), rig.host).connect()
        assert next_frame(client)["type"] == "peer"
        assert rig.call("POST", f"/v1/allocations/{allocation['id']}/release").status_code == 202
        rig.cloud.drain()
        assert next_frame(client) == {"type": "close", "reason": "allocation_ended"}
        with pytest.raises(ConnectionClosed):
            client.recv(timeout=5)
        assert agent.next() == {"type": "close", "reason": "allocation_ended"}
        agent.close()
    r = rig.ticket(allocation["id"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "INVALID_ALLOCATION_STATE"
    r = rig.ticket(allocation["id"], session_id=issued["session_id"])
    assert r.status_code == 409
    audited = [i["action"]["S"] for i in items_of_type(get_settings().table_name, "audit")]
    assert audited.count("terminal:open") == 1 and audited.count("terminal:close") == 1


def test_the_sdk_opens_a_terminal_and_its_ticket_connects(rig: TerminalRig, api):
    allocation = rig.rent()
    sdk = api.client("member", user="term-customer", org="term-org")
    ticket = sdk.open_terminal(allocation["id"], kind="ssh", cols=90, rows=30)
    assert ticket.kind == "ssh" and ticket.url == rig.cloud.ws_url
    with rig.client(ticket.to_dict()):
        assert rig.open_terminal_command()["payload"]["kind"] == "ssh"
    resumed = sdk.open_terminal(allocation["id"], session_id=ticket.session_id)
    assert resumed.session_id == ticket.session_id and resumed.ticket != ticket.ticket


def test_a_client_resumes_its_session_with_a_new_ticket_and_the_agent_stays(rig: TerminalRig):
    allocation = rig.rent()
    issued = rig.ticket(allocation["id"]).json()
    with rig.client(issued) as client:
        agent = EchoAgent.for_command(rig.open_terminal_command(), rig.host).connect()
        assert next_frame(client)["type"] == "peer"
    assert agent.next() == {"type": "peer", "state": "disconnected"}
    again = rig.ticket(allocation["id"], session_id=issued["session_id"]).json()
    assert again["session_id"] == issued["session_id"] and again["ticket"] != issued["ticket"]
    with rig.client(again) as resumed:
        assert agent.next() == {"type": "peer", "state": "connected"}
        assert rig.host.commands(wait=0.3, expect=1) == []  # the agent is there: no second open_terminal
        resumed.send(json.dumps({"type": "hello", "ack": 7}))
        assert agent.next() == {"type": "hello", "ack": 7}
    agent.close()


def test_a_reconnecting_agent_replaces_its_old_connection(rig: TerminalRig):
    allocation = rig.rent()
    issued = rig.ticket(allocation["id"]).json()
    with rig.client(issued) as client:
        command = rig.open_terminal_command()
        first = EchoAgent.for_command(command, rig.host).connect()
        assert next_frame(client) == {"type": "peer", "state": "connected"}
        second = EchoAgent.for_command(command, rig.host).connect()
        assert next_frame(client) == {"type": "peer", "state": "connected"}
        first._thread.join(timeout=5)  # the relay closed the replaced connection
        assert first.close_code == 1000
        client.send(json.dumps({"type": "data", "seq": 1, "data": "bHMK"}))
        assert second.next() == {"type": "data", "seq": 1, "data": "bHMK"}
        second.close()


def test_close_from_a_side_ends_the_session(rig: TerminalRig):
    allocation = rig.rent()
    issued = rig.ticket(allocation["id"]).json()
    with rig.client(issued) as client:
        agent = EchoAgent.for_command(rig.open_terminal_command(), rig.host).connect()
        assert next_frame(client)["type"] == "peer"
        client.send(json.dumps({"type": "close", "reason": "user exit"}))
        assert agent.next() == {"type": "close", "reason": "user exit"}
        with pytest.raises(ConnectionClosed):
            client.recv(timeout=5)
        agent.close()
    r = rig.ticket(allocation["id"], session_id=issued["session_id"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "TERMINAL_SESSION_CLOSED"
    [closed] = [i for i in items_of_type(get_settings().table_name, "audit") if i["action"]["S"] == "terminal:close"]
    assert closed["actor_id"]["S"] == items_of_type(get_settings().table_name, "terminal_session")[0]["user_id"]["S"]


def test_the_orgs_audit_trail_shows_who_opened_and_who_closed_a_session(rig: TerminalRig, api):
    allocation = rig.rent()
    issued = rig.ticket(allocation["id"]).json()
    with rig.client(issued) as client:
        agent = EchoAgent.for_command(rig.open_terminal_command(), rig.host).connect()
        assert next_frame(client)["type"] == "peer"
        agent.send({"type": "close", "reason": "shell exited"})
        assert next_frame(client) == {"type": "close", "reason": "shell exited"}
        agent.close()
    owner = api.client("owner", user="term-owner", org="term-org")
    opened = list(owner.audit(action="terminal:open"))
    closed = list(owner.audit(action="terminal:close"))
    assert [r.target for r in opened] == [issued["session_id"]] == [r.target for r in closed]
    assert opened[0].actor.via == "session" and closed[0].actor.via == "node"
    assert closed[0].actor.user_id == rig.host.node_id and closed[0].after["close_reason"] == "shell exited"
