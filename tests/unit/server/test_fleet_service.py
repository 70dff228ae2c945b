"""Fleet use cases through in-memory fakes: bootstrap tokens, registration, heartbeats, health."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.audit.models import Actor
from chalicelib.core import errors
from chalicelib.fleet.models import AgentRegistration, HeartbeatReport
from chalicelib.fleet.service import FleetService
from chalicelib.inventory.models import DOWN, HEALTHY, SKU_ACTIVE, SKU_RETIRED, SUSPECT, Sku
from tests.fakes.clock import FakeClock
from tests.fakes.fleet import (
    FakeFleetReader,
    FakeFleetUnitOfWork,
    FakeHeartbeats,
    FakeNodeQueues,
    FakeNodeStates,
    FakeNodeWorkloads,
    FakeQueueCredentials,
    FleetStore,
)

pytestmark = pytest.mark.unit

OPERATOR = Actor(user_id="usr_ops", org_id="org_ops", role="owner", operator=True, request_id="req-test")
SKU = Sku(
    id="sku_" + "1" * 26, name="h100-x2", gpu_model="H100", gpus=2, vcpus=8, ram_gib=64, disk_gib=100,
    region="us-east-1", price_per_hour_micros=2_000_000, currency="USD", status=SKU_ACTIVE,
    created_at="2026-11-26T00:00:00.000Z", updated_at="2026-11-26T00:00:00.000Z",
)  # fmt: skip


class Fleet:
    def __init__(self) -> None:
        self.store = FleetStore()
        self.store.skus[SKU.id] = SKU
        self.clock = FakeClock()
        self.queues = FakeNodeQueues()
        self.credentials = FakeQueueCredentials()
        self.heartbeats = FakeHeartbeats()
        self.nodes = FakeNodeStates()
        self.workloads = FakeNodeWorkloads()
        self.service = FleetService(
            FakeFleetReader(self.store),
            lambda: FakeFleetUnitOfWork(self.store),
            self.queues,
            self.credentials,
            self.heartbeats,
            self.clock,
            self.nodes,
            self.workloads,
            suspect_after_seconds=90,
            down_after_seconds=300,
            region="us-east-1",
            bootstrap_max_ttl_seconds=86_400,
            heartbeat_interval_seconds=20,
            credentials_ttl_seconds=3600,
        )

    def token(self, ttl: int = 600) -> str:
        return self.service.issue_bootstrap_token(OPERATOR, SKU.id, ttl).secret

    def register(self, secret: str, hostname: str = "gpu-01.fleet", gpus: int = 4) -> str:
        gpu = {"index": 0, "uuid": "GPU-0", "model": "H100", "memory_total_bytes": 1}
        registration = AgentRegistration(
            hostname, "1.0.0", (1,), ("sandbox",), tuple({**gpu, "index": i} for i in range(gpus))
        )
        return self.service.register(secret, registration).node_id


@pytest.fixture
def fleet() -> Fleet:
    return Fleet()


def report(**gpu: int) -> HeartbeatReport:
    telemetry = {"index": 0, "uuid": "GPU-0", "xid_errors": 0, "ecc_uncorrected_errors": 0, **gpu}
    return HeartbeatReport("2026-11-26T12:00:00Z", "1.0.0", {"available": True}, (telemetry,))


def test_a_bootstrap_token_is_issued_once_audited_and_its_secret_never_stored(fleet):
    issued = fleet.service.issue_bootstrap_token(OPERATOR, SKU.id, 600)
    assert issued.secret.startswith("gpb_") and issued.secret not in str(fleet.store.tokens)
    assert fleet.store.tokens[issued.token.id].expires_at == "2026-11-26T12:10:00.000Z"
    [entry] = fleet.store.audit
    assert entry.action == "admin:bootstrap_tokens:create" and "secret_hash" not in (entry.after or {})


@pytest.mark.parametrize("ttl", [59, 86_401])
def test_a_token_lifetime_out_of_bounds_is_refused(fleet, ttl):
    with pytest.raises(errors.ValidationFailedError):
        fleet.service.issue_bootstrap_token(OPERATOR, SKU.id, ttl)


def test_no_token_for_a_retired_or_unknown_sku(fleet):
    fleet.store.skus[SKU.id] = replace(SKU, status=SKU_RETIRED)
    with pytest.raises(errors.SkuRetiredError):
        fleet.service.issue_bootstrap_token(OPERATOR, SKU.id, 600)
    with pytest.raises(errors.SkuNotFoundError):
        fleet.service.issue_bootstrap_token(OPERATOR, "sku_" + "9" * 26, 600)


def test_register_creates_the_queue_node_slots_credential_and_capacity_in_one_commit(fleet):
    secret = fleet.token()
    before = fleet.store.transactions
    node_id = fleet.register(secret)
    assert fleet.store.transactions == before + 1
    assert fleet.queues.created == [node_id]
    assert fleet.store.nodes[node_id].slot_count == 2
    assert sorted(i for n, i in fleet.store.slots if n == node_id) == [0, 1]
    assert node_id in fleet.store.credentials
    assert (fleet.store.skus[SKU.id].total_slots, fleet.store.skus[SKU.id].free_slots) == (2, 2)
    assert [e.type for e in fleet.store.outbox] == ["node.created"]
    assert fleet.store.outbox[0].data["node"]["id"] == node_id


def test_a_bootstrap_token_is_single_use(fleet):
    secret = fleet.token()
    fleet.register(secret)
    with pytest.raises(errors.InvalidTokenError, match="already been used"):
        fleet.register(secret, hostname="gpu-02.fleet")
    assert len(fleet.store.nodes) == 1


def test_two_hosts_racing_with_one_token_make_one_node(fleet):
    secret = fleet.token()
    token = next(iter(fleet.store.tokens.values()))
    first, second = FakeFleetUnitOfWork(fleet.store), FakeFleetUnitOfWork(fleet.store)
    first.consume_bootstrap_token(token, "node_a", "2026-11-26T12:00:01.000Z")
    second.consume_bootstrap_token(token, "node_b", "2026-11-26T12:00:01.000Z")
    first.commit()
    with pytest.raises(errors.InvalidTokenError):
        second.commit()
    assert fleet.store.tokens[token.id].node_id == "node_a"
    assert secret  # the secret itself was never needed by the race


def test_an_expired_or_forged_token_registers_nothing(fleet):
    secret = fleet.token(ttl=60)
    forged = secret[:-4] + "AAAA"
    with pytest.raises(errors.InvalidTokenError, match="not valid"):
        fleet.register(forged)
    fleet.clock.advance(61)
    with pytest.raises(errors.InvalidTokenError, match="expired"):
        fleet.register(secret)
    with pytest.raises(errors.InvalidTokenError, match="malformed"):
        fleet.register("gpb_nope")
    assert fleet.store.nodes == {}


def test_gpus_that_do_not_fit_the_sku_are_refused(fleet):
    with pytest.raises(errors.SkuMismatchError):
        fleet.register(fleet.token(), gpus=3)


def test_the_node_token_authenticates_its_node_and_gets_credentials_for_its_queue(fleet):
    secret = fleet.token()
    gpu = {"index": 0, "uuid": "GPU-0", "model": "H100", "memory_total_bytes": 1}
    registered = fleet.service.register(
        secret, AgentRegistration("gpu-01.fleet", "1.0.0", (1,), ("sandbox",), (gpu, gpu))
    )
    assert fleet.service.authenticate_node(registered.node_token).node_id == registered.node_id
    with pytest.raises(errors.InvalidTokenError):
        fleet.service.authenticate_node(registered.node_token[:-1] + "x")
    access = fleet.service.queue_credentials(registered.node_id)
    assert access.queue_url == registered.queue_url and access.region == "us-east-1"
    assert fleet.credentials.issued == [
        (registered.node_id, fleet.store.credentials[registered.node_id].queue_arn, 3600)
    ]


def test_a_healthy_heartbeat_keeps_the_workloads_alive_and_drains_nothing(fleet):
    ack = fleet.service.heartbeat("node_a", report())
    assert ack.next_heartbeat_seconds == 20
    assert fleet.heartbeats.beats["node_a"].received_at == "2026-11-26T12:00:00.000Z"
    assert fleet.workloads.kept_alive == ["node_a"] and fleet.nodes.drained == []


def test_a_heartbeat_reporting_a_gpu_fault_drains_the_node_as_the_system(fleet):
    fleet.service.heartbeat("node_a", report(xid_errors=3))
    [(actor, node_id, reason)] = fleet.nodes.drained
    assert (actor, node_id) == ("system", "node_a") and "3 XID errors" in reason
    fleet.service.heartbeat("node_a", report(ecc_uncorrected_errors=1))
    assert "uncorrectable ECC" in fleet.nodes.drained[-1][2]


def test_a_drain_that_loses_a_race_waits_for_the_next_heartbeat(fleet):
    fleet.nodes.conflict = True
    fleet.service.heartbeat("node_a", report(xid_errors=1))
    assert fleet.nodes.drained == [] and fleet.workloads.kept_alive == ["node_a"]


def test_the_health_sweep_marks_suspect_then_down_then_healthy_again(fleet):
    fleet.service.heartbeat("node_a", report())
    start = fleet.clock.now()
    assert fleet.service.sweep_health(start + timedelta(seconds=90)) == {}
    assert fleet.service.sweep_health(start + timedelta(seconds=91)) == {"node_a": SUSPECT}
    assert fleet.workloads.down == []
    assert fleet.service.sweep_health(start + timedelta(seconds=301)) == {"node_a": DOWN}
    # Billing stops at the last heartbeat; asked again on every sweep while down (idempotent there).
    assert fleet.service.sweep_health(start + timedelta(seconds=361)) == {}
    assert fleet.workloads.down == [("node_a", "2026-11-26T12:00:00.000Z")] * 2
    fleet.clock.advance(400)
    fleet.service.heartbeat("node_a", report())
    assert fleet.service.sweep_health(fleet.clock.now()) == {"node_a": HEALTHY}
    assert len(fleet.workloads.down) == 2


def test_a_sweep_that_loses_a_race_on_one_node_goes_on_with_the_next(fleet):
    fleet.service.heartbeat("node_a", report())
    fleet.service.heartbeat("node_b", report())
    fleet.nodes.conflict = True
    changed = fleet.service.sweep_health(fleet.clock.now() + timedelta(seconds=120))
    assert changed == {"node_b": SUSPECT}
