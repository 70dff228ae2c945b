"""The terminal gateway's use cases over the in-memory fakes: tickets, pairing, frames, closing."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource

from chalicelib.core import errors
from chalicelib.provisioning.models import ACTIVE, RELEASING, Allocation
from chalicelib.terminal.models import AGENT, ConnectRequest, TerminalRequest, ticket_hash
from chalicelib.terminal.service import TerminalService
from tests.fakes.clock import FakeClock
from tests.fakes.terminal import (
    FakeAllocations,
    FakeCommandQueue,
    FakeConnections,
    FakeNodes,
    FakeTerminalReader,
    FakeTerminalUnitOfWork,
    TerminalStore,
)

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
AGENT_SCHEMAS = [json.loads(p.read_text()) for p in (ROOT / "events" / "agent").glob("*.json")]
REGISTRY = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in AGENT_SCHEMAS)
COMMAND_SCHEMA = next(s for s in AGENT_SCHEMAS if s["$id"] == "urn:gpuaas:agent:command:v1")
URL = "wss://api.example/prod"
NODE = "node_" + "a" * 26
OTHER_NODE = "node_" + "b" * 26
ALLOCATION = "alc_" + "c" * 26
ORG = "org_" + "d" * 26
USER = "usr_" + "e" * 26


def _allocation(state: str = ACTIVE) -> Allocation:
    return Allocation(
        id=ALLOCATION, org_id=ORG, user_id=USER, name="a", sku_id="sku_" + "f" * 26, region="us-east-1",
        gpu_model="H100", count=1, gpus=1, os_image_id="img_" + "g" * 26, container_image="cuda", ssh_user="gpuaas",
        ssh_key_ids=(), ssh_public_keys=(), node_id=NODE, slots=(), price_per_hour_micros=1, currency="USD",
        state=state, created_at="2026-11-26T11:00:00.000Z", updated_at="2026-11-26T11:00:00.000Z",
    )  # fmt: skip


class Rig:
    def __init__(self) -> None:
        self.store = TerminalStore()
        self.clock = FakeClock()
        self.connections = FakeConnections()
        self.queue = FakeCommandQueue()
        self.allocations = FakeAllocations()
        self.allocations.allocations[ALLOCATION] = _allocation()
        self.nodes = FakeNodes()
        self.nodes.tokens = {"gpn_mine": NODE, "gpn_other": OTHER_NODE}
        self.service = TerminalService(
            FakeTerminalReader(self.store),
            lambda: FakeTerminalUnitOfWork(self.store),
            self.connections,
            self.queue,
            self.clock,
            allocations=self.allocations,
            nodes=self.nodes,
            url=URL,
            ticket_ttl_seconds=60,
            idle_seconds=600,
            frame_max_bytes=32768,
        )

    def ticket(self, **kwargs):
        request = TerminalRequest(org_id=ORG, user_id=USER, role="member", allocation_id=ALLOCATION, **kwargs)
        return self.service.open(request)

    def client(self, ticket: str, connection_id: str = "c1") -> str:
        self.service.connect(ConnectRequest(connection_id, "req", ticket=ticket))
        return self.connections.open(connection_id)

    def agent(self, session_id: str, connection_id: str = "a1", token: str = "gpn_mine") -> str:  # noqa: S107 - a fake token
        self.service.connect(ConnectRequest(connection_id, "req", session_id=session_id, role=AGENT, bearer=token))
        return self.connections.open(connection_id)

    def pair(self) -> tuple[str, str, str]:
        issued = self.ticket()
        client = self.client(issued.ticket)
        agent = self.agent(issued.session_id)
        self.connections.received(client)
        return issued.session_id, client, agent


@pytest.fixture
def rig() -> Rig:
    return Rig()


def test_a_ticket_is_stored_hashed_and_bound_to_its_session(rig: Rig):
    issued = rig.ticket(kind="ssh", cols=100, rows=30)
    assert issued.ticket.startswith("tkt_") and issued.url == URL and issued.kind == "ssh"
    [ticket] = rig.store.tickets.values()
    assert ticket.token_hash == ticket_hash(issued.ticket) and issued.ticket not in repr(rig.store.state())
    assert (ticket.session_id, ticket.user_id, ticket.org_id, ticket.allocation_id) == (
        issued.session_id, USER, ORG, ALLOCATION,
    )  # fmt: skip
    assert ticket.expires_at == "2026-11-26T12:01:00.000Z"


def test_another_orgs_allocation_is_not_found_and_an_inactive_one_is_refused(rig: Rig):
    with pytest.raises(errors.AllocationNotFoundError):
        rig.service.open(
            TerminalRequest(org_id="org_" + "z" * 26, user_id=USER, role="owner", allocation_id=ALLOCATION)
        )
    rig.allocations.allocations[ALLOCATION] = _allocation(RELEASING)
    with pytest.raises(errors.InvalidAllocationStateError):
        rig.ticket()
    assert rig.store.transactions == 0


def test_the_client_connects_once_per_ticket_and_the_node_is_asked_for_its_side(rig: Rig):
    issued = rig.ticket(cols=120, rows=40)
    rig.client(issued.ticket)
    [(node, document, _)] = rig.queue.sent
    assert node == NODE and document["type"] == "open_terminal"
    assert document["payload"] == {
        "allocation_id": ALLOCATION, "session_id": issued.session_id, "kind": "shell", "url": URL, "cols": 120,
        "rows": 40,
    }  # fmt: skip
    jsonschema.Draft202012Validator(COMMAND_SCHEMA, registry=REGISTRY).validate(document)
    with pytest.raises(errors.TerminalTicketInvalidError):
        rig.client(issued.ticket, "c2")
    assert [a.action for a in rig.store.audit] == ["terminal:open"]
    assert [e.type for e in rig.store.outbox] == ["terminal.opened"]


def test_an_expired_or_unknown_ticket_is_refused_and_nothing_changes(rig: Rig):
    issued = rig.ticket()
    before = rig.store.state()
    rig.clock.advance(60)
    with pytest.raises(errors.TerminalTicketInvalidError):
        rig.client(issued.ticket)
    with pytest.raises(errors.TerminalTicketInvalidError):
        rig.client("tkt_unknown")
    assert rig.store.state() == before and rig.queue.sent == []


def test_an_agent_of_another_node_or_without_a_credential_is_refused(rig: Rig):
    issued = rig.ticket()
    rig.client(issued.ticket)
    with pytest.raises(errors.ForbiddenError):
        rig.agent(issued.session_id, token="gpn_other")
    with pytest.raises(errors.InvalidTokenError):
        rig.agent(issued.session_id, token="gpn_forged")
    with pytest.raises(errors.UnauthenticatedError):
        rig.service.connect(ConnectRequest("a9", "req", session_id=issued.session_id, role=AGENT))
    assert rig.store.sessions[issued.session_id].agent_connection_id is None


def test_paired_sides_hear_of_each_other_and_frames_go_both_ways(rig: Rig):
    issued = rig.ticket()
    client = rig.client(issued.ticket)
    agent = rig.agent(issued.session_id)
    assert rig.connections.received(client) == ['{"type":"peer","state":"connected"}']
    data = json.dumps({"type": "data", "seq": 1, "data": "bHMK"})
    rig.service.frame(client, data, "r1")
    assert rig.connections.received(agent) == [data]
    rig.service.frame(agent, data, "r2")
    assert rig.connections.received(client) == [data]
    rig.service.frame(client, '{"type":"ping"}', "r3")
    assert rig.connections.received(client) == ['{"type":"pong"}'] and rig.connections.received(agent) == []


def test_a_stale_peer_is_marked_gone_and_the_sender_told(rig: Rig):
    session_id, client, agent = rig.pair()
    rig.connections.live.discard(agent)  # the agent's connection died without a $disconnect yet
    rig.service.frame(client, '{"type":"data","seq":1,"data":"eA=="}', "r")
    assert rig.connections.received(client) == ['{"type":"peer","state":"disconnected"}']
    assert rig.store.sessions[session_id].agent_connection_id is None and agent not in rig.store.connections


def test_frames_over_the_limit_and_unknown_frames_are_refused_and_the_session_goes_on(rig: Rig):
    session_id, client, agent = rig.pair()
    rig.service.frame(client, json.dumps({"type": "data", "seq": 1, "data": "A" * 40_000}), "r")
    [refused] = rig.connections.received(client)
    assert json.loads(refused)["code"] == "FRAME_TOO_LARGE"
    rig.service.frame(client, "not json", "r")
    rig.service.frame(client, '{"type":"launch"}', "r")
    assert [json.loads(f)["code"] for f in rig.connections.received(client)] == ["INVALID_FRAME", "INVALID_FRAME"]
    assert rig.connections.received(agent) == []
    rig.service.frame(client, '{"type":"ack","ack":3}', "r")
    assert rig.connections.received(agent) == ['{"type":"ack","ack":3}']
    assert rig.store.sessions[session_id].state == "open"


def test_a_reconnecting_side_replaces_its_old_connection(rig: Rig):
    session_id, client, agent = rig.pair()
    again = rig.ticket(session_id=session_id)
    rig.client(again.ticket, "c2")
    assert rig.connections.disconnected == [client]
    assert rig.store.sessions[session_id].client_connection_id == "c2" and client not in rig.store.connections
    assert rig.queue.sent[1:] == []  # the agent is still there: no second open_terminal
    assert rig.connections.received(agent) == ['{"type":"peer","state":"connected"}']
    assert [a.action for a in rig.store.audit] == ["terminal:open"]


def test_a_disconnect_tells_the_peer_and_frees_the_side(rig: Rig):
    session_id, client, agent = rig.pair()
    rig.connections.live.discard(agent)
    rig.service.disconnect(agent)
    assert rig.connections.received(client) == ['{"type":"peer","state":"disconnected"}']
    assert rig.store.sessions[session_id].agent_connection_id is None
    rig.service.disconnect(agent)  # a second $disconnect (or one of a replaced connection) is a no-op
    assert rig.connections.received(client) == []


def test_close_ends_the_session_for_both_sides(rig: Rig):
    session_id, client, agent = rig.pair()
    rig.service.frame(agent, '{"type":"close","reason":"shell exited"}', "r")
    assert rig.connections.received(client) == ['{"type":"close","reason":"shell exited"}']
    assert set(rig.connections.disconnected) == {client, agent}
    session = rig.store.sessions[session_id]
    assert (session.state, session.close_reason) == ("closed", "shell exited")
    assert [a.action for a in rig.store.audit] == ["terminal:open", "terminal:close"]
    assert rig.store.audit[-1].actor.user_id == NODE
    with pytest.raises(errors.TerminalSessionClosedError):
        rig.ticket(session_id=session_id)


def test_an_allocation_that_leaves_active_closes_its_sessions(rig: Rig):
    session_id, client, agent = rig.pair()
    assert rig.service.close_allocation(ALLOCATION, "evt_1") == 1
    assert rig.connections.received(client) == ['{"type":"close","reason":"allocation_ended"}']
    assert rig.connections.received(agent) == ['{"type":"close","reason":"allocation_ended"}']
    assert set(rig.connections.disconnected) == {client, agent} and rig.store.connections == {}
    assert rig.service.close_allocation(ALLOCATION, "evt_1") == 0  # a redelivered event changes nothing
    assert [e.type for e in rig.store.outbox] == ["terminal.opened", "terminal.closed"]
    with pytest.raises(errors.TerminalSessionClosedError):
        rig.agent(session_id, "a2")


def test_a_session_idle_past_the_limit_cannot_be_resumed(rig: Rig):
    session_id, client, agent = rig.pair()
    rig.service.disconnect(client)
    rig.service.disconnect(agent)
    rig.clock.advance(601)
    with pytest.raises(errors.TerminalSessionClosedError):
        rig.ticket(session_id=session_id)


def test_only_the_sessions_user_resumes_it(rig: Rig):
    session_id, _, _ = rig.pair()
    other = TerminalRequest(org_id=ORG, user_id="usr_" + "y" * 26, role="owner", allocation_id=ALLOCATION,
                            session_id=session_id)  # fmt: skip
    with pytest.raises(errors.TerminalSessionNotFoundError):
        rig.service.open(other)
