"""Provisioning use cases through in-memory fakes: create with placement, refusals, release,
claim races, and the workflow steps with their results."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from chalicelib.audit.models import Actor
from chalicelib.core import errors
from chalicelib.inventory.models import (
    NODE_ACTIVE,
    NODE_DRAINING,
    OS_IMAGE_AVAILABLE,
    SKU_ACTIVE,
    SLOT_CLAIMED,
    SLOT_FREE,
    Node,
    OsImage,
    Sku,
    partition_into_slots,
)
from chalicelib.provisioning.models import (
    ACTIVE,
    FAILED,
    PENDING,
    PROVISION,
    PROVISIONING,
    RELEASE,
    RELEASED,
    RELEASING,
    AllocationRequest,
    CommandRef,
    StepOutcome,
)
from chalicelib.provisioning.service import ProvisioningService
from chalicelib.sshkeys.models import SshKey
from tests.fakes.clock import FakeClock
from tests.fakes.provisioning import (
    FakeAllocationReader,
    FakeAllocationUnitOfWork,
    FakeBillingAdmission,
    FakeCommandQueue,
    FakeCommandStore,
    FakeUsageSettlement,
    FakeWorkflows,
    ProvisioningStore,
)

pytestmark = pytest.mark.unit

AT = "2026-11-26T00:00:00.000Z"
SKU = Sku(
    id="sku_1", name="h100-x1", gpu_model="H100", gpus=1, vcpus=8, ram_gib=64, disk_gib=100, region="us-east-1",
    price_per_hour_micros=2_000_000, currency="USD", status=SKU_ACTIVE, created_at=AT, updated_at=AT,
)  # fmt: skip
IMAGE = OsImage("img_1", "ubuntu", "ubuntu", "22.04", "nvidia/cuda", OS_IMAGE_AVAILABLE, AT)
KEY = SshKey("ssh_1", "usr_1", "laptop", "ssh-ed25519", "ssh-ed25519 AAAA", "", "SHA256:x", AT)
OPERATOR = Actor(user_id="usr_ops", org_id="org_ops", role="owner", operator=True, request_id="req-test")


def node(node_id: str, gpus: int) -> tuple[Node, tuple]:
    slots = partition_into_slots(node_id, SKU, gpus)
    return Node(
        node_id, f"{node_id}.fleet", SKU.id, SKU.region, SKU.gpu_model, gpus, len(slots), NODE_ACTIVE, AT
    ), slots


class Provisioning:
    def __init__(self) -> None:
        self.store = ProvisioningStore()
        self.store.skus[SKU.id] = SKU
        self.store.images[IMAGE.id] = IMAGE
        self.store.ssh_keys["usr_1"] = [KEY]
        for node_id, gpus in (("node_a", 4), ("node_b", 2)):
            self.store.add_node(*node(node_id, gpus))
        self.clock = FakeClock()
        self.queue = FakeCommandQueue()
        self.workflows = FakeWorkflows()
        self.admission = FakeBillingAdmission()
        self.settlement = FakeUsageSettlement()
        self.service = ProvisioningService(
            FakeAllocationReader(self.store),
            lambda: FakeAllocationUnitOfWork(self.store),
            FakeCommandStore(self.store),
            self.queue,
            self.workflows,
            self.clock,
            max_slots=8,
            ssh_user="gpuaas",
            heartbeat_seconds=60,
            provision_timeout_seconds=600,
            release_timeout_seconds=300,
            attempts=3,
            startup_script_max_bytes=64,
            admission=self.admission,
            settlement=self.settlement,
            rng=random.Random(7),
        )

    def create(self, count: int = 1):
        return self.service.create(AllocationRequest("org_1", "usr_1", SKU.id, count, IMAGE.id))

    def run_command(self, command_id: str, token: str, **output: object) -> None:
        """send_command, then the agent's successful result (which resumes ``token``)."""
        self.workflows.waiting.add(token)
        self.service.send_command(command_id, token)
        result = {"status": "succeeded", "reason": None, "output": output, "finished_at": AT}
        self.service.report_result(self.store.commands[command_id].node_id, command_id, result)

    def activate(self, count: int = 1):
        allocation = self.create(count)
        ref = self.service.begin_provision(allocation.id)
        self.run_command(ref.command_id, "tok-p", ssh_host="h", ssh_port=2201, ssh_user="gpuaas")
        assert self.service.complete_provision(allocation.id, ref.command_id) == StepOutcome(ACTIVE)
        return self.store.allocations[allocation.id]


@pytest.fixture
def p() -> Provisioning:
    return Provisioning()


def test_create_places_on_the_best_fitting_node_claims_its_slots_and_starts_the_workflow(p):
    allocation = p.create(2)
    assert (allocation.state, allocation.node_id, len(allocation.slots)) == (PENDING, "node_b", 2)
    assert all(p.store.slots[("node_b", s.index)].state == SLOT_CLAIMED for s in allocation.slots)
    assert p.store.skus[SKU.id].free_slots == 4
    assert p.store.events(allocation.id) == ["allocation.requested"]
    assert p.store.outbox[0].data["os_image_id"] == IMAGE.id
    workflow, payload = p.workflows.started[allocation.id]
    assert workflow == PROVISION
    assert payload == {
        "allocation_id": allocation.id,
        "timeouts": {"heartbeat_seconds": 60, "command_seconds": 600},
        "attempts": {"n": 1},
        "max_attempts": 3,
    }
    assert p.admission.asked == [("org_1", 4_000_000)]


def test_no_single_node_with_enough_free_slots_is_insufficient_capacity(p):
    with pytest.raises(errors.InsufficientCapacityError, match="no single node has 5"):
        p.create(5)
    p.create(4)
    p.create(2)
    with pytest.raises(errors.InsufficientCapacityError):
        p.create(1)
    assert p.store.transactions == 2


def test_a_drained_node_takes_no_new_allocation(p):
    p.store.nodes["node_b"] = replace(p.store.nodes["node_b"], status=NODE_DRAINING)
    assert p.create(2).node_id == "node_a"


def test_billing_refusing_the_org_writes_nothing(p):
    p.admission.refusal = errors.InsufficientFundsError()
    with pytest.raises(errors.InsufficientFundsError):
        p.create()
    assert p.store.allocations == {} and p.store.transactions == 0 and p.workflows.started == {}


def test_create_needs_an_ssh_key_and_a_live_sku_and_image(p):
    p.store.ssh_keys["usr_1"] = []
    with pytest.raises(errors.NoSshKeysError):
        p.create()
    p.store.ssh_keys["usr_1"] = [KEY]
    with pytest.raises(errors.SshKeyNotFoundError):
        p.service.create(AllocationRequest("org_1", "usr_1", SKU.id, 1, IMAGE.id, ssh_key_ids=("ssh_9",)))
    with pytest.raises(errors.OsImageNotFoundError):
        p.service.create(AllocationRequest("org_1", "usr_1", SKU.id, 1, "img_9"))
    with pytest.raises(errors.ValidationFailedError):
        p.create(9)


def test_a_lost_slot_race_places_again_without_the_lost_slots(p):
    reader = p.service._reader  # the claim reads the free slots as they were before a rival's claim
    stale = reader.free_slots(SKU.id)
    won = p.create(2)  # node_b's two slots
    calls = []

    def free_slots(sku_id: str) -> list:
        calls.append(sku_id)
        return stale if len(calls) == 1 else FakeAllocationReader(p.store).free_slots(sku_id)

    reader.free_slots = free_slots  # type: ignore[method-assign]
    second = p.create(2)
    assert len(calls) == 2 and second.node_id == "node_a"
    assert {s.allocation_id for k, s in p.store.slots.items() if k[0] == "node_b"} == {won.id}


def test_claims_of_the_same_slot_let_one_win_and_write_nothing_for_the_other(p):
    first = p.create(1)
    slot = p.store.slots[(first.node_id, first.slots[0].index)]
    loser = FakeAllocationUnitOfWork(p.store)
    loser.claim(replace(first, id="alc_other"), (replace(slot, state=SLOT_FREE, allocation_id=None),))
    with pytest.raises(errors.SlotUnavailableError):
        loser.commit()
    assert "alc_other" not in p.store.allocations and p.store.skus[SKU.id].free_slots == 5


def test_a_workflow_that_does_not_start_compensates_and_answers_unavailable(p):
    p.workflows.unavailable = True
    with pytest.raises(errors.ServiceUnavailableError):
        p.create(2)
    [allocation] = p.store.allocations.values()
    assert (allocation.state, allocation.reason) == (FAILED, "workflow_unavailable")
    assert p.store.skus[SKU.id].free_slots == 6 and p.queue.sent == []


def test_provisioning_steps_from_pending_to_active_open_the_meter(p):
    allocation = p.create()
    ref = p.service.begin_provision(allocation.id)
    assert p.service.begin_provision(allocation.id) == ref  # a retried step answers the same
    assert p.store.allocations[allocation.id].state == PROVISIONING
    p.run_command(ref.command_id, "tok-1", ssh_host="h", ssh_port=2201, ssh_user="gpuaas")
    assert p.workflows.resumed == [("tok-1", "succeed", {"status": "succeeded", "output": {
        "ssh_host": "h", "ssh_port": 2201, "ssh_user": "gpuaas"}})]  # fmt: skip
    assert p.queue.kinds() == [PROVISION]
    assert p.service.complete_provision(allocation.id, ref.command_id) == StepOutcome(ACTIVE)
    assert p.service.complete_provision(allocation.id, ref.command_id) == StepOutcome(ACTIVE)
    active = p.store.allocations[allocation.id]
    assert active.connection is not None and active.connection.port == 2201
    assert p.store.meters[allocation.id].started_at == active.activated_at
    assert p.store.events(allocation.id) == ["allocation.requested", "allocation.provisioning", "allocation.active"]


def test_a_failed_command_compensates_frees_the_slots_and_queues_a_wipe(p):
    allocation = p.create(2)
    ref = p.service.begin_provision(allocation.id)
    p.workflows.waiting.add("tok-1")
    p.service.send_command(ref.command_id, "tok-1")
    receipt = p.service.report_result(
        allocation.node_id,
        ref.command_id,
        {"status": "failed", "reason": "image pull", "output": {}, "finished_at": AT},
    )
    assert (receipt.accepted, receipt.late) == (True, False)
    assert p.workflows.resumed[0][1:] == ("fail", ("CommandFailed", "image pull"))
    outcome = p.service.compensate(allocation.id, {"Error": "CommandFailed", "Cause": "image pull"})
    assert outcome == StepOutcome(FAILED, reason="provisioning_failed: image pull")
    assert p.service.compensate(allocation.id, {"Error": "CommandFailed"}) == StepOutcome(FAILED)
    assert p.store.skus[SKU.id].free_slots == 6
    assert p.queue.kinds() == [PROVISION, RELEASE]
    assert p.store.meters == {}


def test_a_second_result_for_a_command_is_refused_and_another_nodes_command_is_not_found(p):
    allocation = p.create()
    ref = p.service.begin_provision(allocation.id)
    result = {"status": "succeeded", "reason": None, "output": {"ssh_host": "h", "ssh_port": 1, "ssh_user": "u"},
              "finished_at": AT}  # fmt: skip
    with pytest.raises(errors.CommandNotFoundError):
        p.service.report_result("node_other", ref.command_id, result)
    assert p.service.report_result(allocation.node_id, ref.command_id, result).late is True  # no task waits
    with pytest.raises(errors.CommandAlreadyReportedError):
        p.service.report_result(allocation.node_id, ref.command_id, result)


def test_release_of_an_active_allocation_stops_billing_settles_and_starts_the_release(p):
    active = p.activate()
    p.clock.advance(60)
    releasing = p.service.release("org_1", active.id)
    assert releasing.state == RELEASING and releasing.release_requested_at == "2026-11-26T12:01:00.000Z"
    assert p.store.meters[active.id].ends_at == releasing.release_requested_at
    assert p.settlement.settled == [active.id]
    assert p.workflows.started[f"{active.id}-release"][0] == RELEASE
    assert p.service.release("org_1", active.id) == releasing  # asked again: its workflow is started again
    p.store.allocations[active.id] = replace(releasing, release_command_id="cmd_x")  # the release is under way
    with pytest.raises(errors.InvalidAllocationStateError):
        p.service.release("org_1", active.id)


def test_release_steps_wipe_and_give_the_slots_back(p):
    active = p.activate(2)
    p.service.release("org_1", active.id)
    ref = p.service.begin_release(active.id)
    assert isinstance(ref, CommandRef) and p.service.begin_release(active.id) == ref
    p.run_command(ref.command_id, "tok-r", wiped=True)
    assert p.service.finish_release(active.id, wiped=True) == StepOutcome(RELEASED, wiped=True)
    assert p.service.finish_release(active.id, wiped=True) == StepOutcome(RELEASED)
    assert p.store.skus[SKU.id].free_slots == 6
    assert p.store.events(active.id)[-2:] == ["allocation.releasing", "allocation.released"]


def test_an_unconfirmed_wipe_holds_the_slots_until_a_late_confirmation_frees_them(p):
    active = p.activate(2)
    p.service.release("org_1", active.id)
    ref = p.service.begin_release(active.id)
    p.service.send_command(ref.command_id, "tok-timed-out")  # nobody waits for it any more
    assert p.service.finish_release(active.id, wiped=False) == StepOutcome(RELEASED, wiped=False)
    assert p.store.skus[SKU.id].free_slots == 4
    result = {"status": "succeeded", "reason": None, "output": {"wiped": True}, "finished_at": AT}
    assert p.service.report_result(active.node_id, ref.command_id, result).late is True
    assert p.store.skus[SKU.id].free_slots == 6 and p.store.allocations[active.id].wiped is True
    assert p.store.events(active.id)[-1] == "allocation.wiped"


def test_a_release_asked_for_while_provisioning_is_handed_over_when_the_workload_exists(p):
    allocation = p.create()
    ref = p.service.begin_provision(allocation.id)
    requested = p.service.release("org_1", allocation.id)
    assert (requested.state, requested.allowed_actions) == (PROVISIONING, ())
    assert p.settlement.settled == [] and f"{allocation.id}-release" not in p.workflows.started
    p.run_command(ref.command_id, "tok-1", ssh_host="h", ssh_port=2201, ssh_user="gpuaas")
    assert p.service.complete_provision(allocation.id, ref.command_id) == StepOutcome(RELEASING)
    assert f"{allocation.id}-release" in p.workflows.started and p.store.meters == {}


def test_an_operator_force_release_is_audited_in_the_release_transaction(p):
    active = p.activate()
    transactions = p.store.transactions
    p.service.force_release(OPERATOR, active.id, "abuse")
    [entry] = p.store.audit
    assert entry.action == "admin:allocations:force_release" and entry.org_id == "org_1"
    assert (entry.before or {})["state"] == ACTIVE and (entry.after or {})["state"] == RELEASING
    assert p.store.transactions == transactions + 1


def test_concurrent_saves_of_one_allocation_let_one_win(p):
    allocation = p.create()
    first, second = FakeAllocationUnitOfWork(p.store), FakeAllocationUnitOfWork(p.store)
    first.save(allocation, replace(allocation, version=2, name="a"))
    second.save(allocation, replace(allocation, version=2, name="b"))
    first.commit()
    with pytest.raises(errors.ConcurrentUpdateError):
        second.commit()
    assert p.store.allocations[allocation.id].name == "a"


def test_a_step_that_keeps_losing_races_gives_up_with_a_conflict(p):
    allocation = p.create()
    reader = p.service._reader
    real = reader.get_allocation
    reader.get_allocation = lambda i: replace(real(i), version=99)  # type: ignore[method-assign, misc]
    with pytest.raises(errors.ConcurrentUpdateError):
        p.service.begin_provision(allocation.id)
    assert p.store.allocations[allocation.id].state == PENDING


def test_node_down_ends_the_meters_of_its_active_allocations_once(p):
    active = p.activate()
    assert p.service.node_down(active.node_id, "2026-11-26T11:59:00.000Z") == 1
    assert p.service.node_down(active.node_id, "2026-11-26T11:59:00.000Z") == 0
    assert p.store.meters[active.id].ends_at == "2026-11-26T11:59:00.000Z"
    assert p.store.events(active.id)[-1] == "allocation.node_down"


def test_keep_alive_heartbeats_waiting_tasks_and_drops_the_dead_ones(p):
    allocation = p.create()
    ref = p.service.begin_provision(allocation.id)
    p.workflows.waiting.add("tok-live")
    p.service.send_command(ref.command_id, "tok-live")
    assert p.service.keep_alive(allocation.node_id) == 1
    p.workflows.waiting.clear()
    assert p.service.keep_alive(allocation.node_id) == 0
    assert p.store.in_flight == set()


# SSH: the host key the agent reports, and an active allocation's keys ----------------------------------------

HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMT2UcOCAaXQv63sORZJ5ZYsyIXSW/UMrAmysSy02S1j"
HOST_KEY_FINGERPRINT = "SHA256:lof5+pzPmx0ZTzKQR4VRKJ8L0gJM95JovNvI5v1V/ao"  # as ssh-keygen -l printed it
CUSTOMER = Actor(user_id="usr_1", org_id="org_1", role="member", operator=False, request_id="req-keys")
KEY_2 = SshKey("ssh_2", "usr_1", "desktop", "ssh-ed25519", "ssh-ed25519 BBBB", "", "SHA256:y", AT)


def activate_with_host_key(p: Provisioning, **output: object):
    allocation = p.create()
    ref = p.service.begin_provision(allocation.id)
    p.run_command(ref.command_id, "tok-k", ssh_host="h.fleet", ssh_port=2201, ssh_user="gpuaas", **output)
    p.service.complete_provision(allocation.id, ref.command_id)
    return p.store.allocations[allocation.id]


def test_the_reported_host_key_becomes_the_connections_known_hosts_line(p):
    allocation = activate_with_host_key(p, ssh_host_key=HOST_KEY, ssh_host_key_fingerprint=HOST_KEY_FINGERPRINT)
    connection = p.service.ssh_connection("org_1", allocation.id)
    assert connection.known_hosts == f"[h.fleet]:2201 {HOST_KEY}"
    assert connection.host_key_fingerprint == HOST_KEY_FINGERPRINT
    assert replace(connection, port=22).known_hosts == f"h.fleet {HOST_KEY}"  # ssh's form for port 22
    with pytest.raises(errors.AllocationNotFoundError):
        p.service.ssh_connection("org_2", allocation.id)
    p.service.release("org_1", allocation.id)
    with pytest.raises(errors.InvalidAllocationStateError):
        p.service.ssh_connection("org_1", allocation.id)


@pytest.mark.parametrize(
    "output",
    [
        {"ssh_host_key": HOST_KEY, "ssh_host_key_fingerprint": "SHA256:" + "A" * 43},  # not this key's
        {"ssh_host_key": HOST_KEY + "\n[evil]:22 ssh-ed25519 AAAA", "ssh_host_key_fingerprint": HOST_KEY_FINGERPRINT},
        {"ssh_host_key": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ", "ssh_host_key_fingerprint": HOST_KEY_FINGERPRINT},
        {"ssh_host_key_fingerprint": HOST_KEY_FINGERPRINT},
    ],
)
def test_a_host_key_that_is_not_one_line_of_ed25519_with_its_fingerprint_is_refused(p, output):
    allocation = p.create()
    ref = p.service.begin_provision(allocation.id)
    p.workflows.waiting.add("tok-x")
    p.service.send_command(ref.command_id, "tok-x")
    result = {"status": "succeeded", "reason": None, "finished_at": AT,
              "output": {"ssh_host": "h", "ssh_port": 2201, "ssh_user": "gpuaas", **output}}  # fmt: skip
    with pytest.raises(errors.ValidationFailedError):
        p.service.report_result(p.store.commands[ref.command_id].node_id, ref.command_id, result)


def test_an_active_allocations_keys_change_in_one_transaction_and_a_sync_keys_command_goes_to_its_node(p):
    p.store.ssh_keys["usr_1"] = [KEY, KEY_2]
    allocation = activate_with_host_key(p, ssh_host_key=HOST_KEY, ssh_host_key_fingerprint=HOST_KEY_FINGERPRINT)
    sent_before = len(p.queue.sent)
    after = p.service.set_ssh_keys(CUSTOMER, "org_1", allocation.id, ("ssh_2",))
    assert (after.ssh_key_ids, after.ssh_public_keys) == (("ssh_2",), ("ssh-ed25519 BBBB",))
    assert p.store.allocations[allocation.id].ssh_key_ids == ("ssh_2",)
    assert p.store.events(allocation.id)[-1] == "allocation.ssh_keys_changed"
    [entry] = p.store.audit
    assert (entry.action, entry.target, entry.before["ssh_key_ids"], entry.after["ssh_key_ids"]) == (
        "allocations:ssh_keys", allocation.id, ["ssh_1", "ssh_2"], ["ssh_2"]
    )  # fmt: skip
    [(node_id, document, _)] = p.queue.sent[sent_before:]
    assert node_id == allocation.node_id and document["type"] == "sync_keys"
    assert document["payload"] == {"allocation_id": allocation.id, "ssh_public_keys": ["ssh-ed25519 BBBB"]}
    stored = p.store.commands[document["command_id"]]
    assert stored.kind == "sync_keys" and stored.task_token is None
    # The agent's result is filed as a late one: nothing waits for it, and nothing else changes.
    ack = {"status": "succeeded", "reason": None, "output": {"authorized_keys": 1}, "finished_at": AT}
    receipt = p.service.report_result(node_id, document["command_id"], ack)
    assert receipt.accepted and receipt.late
    assert p.store.allocations[allocation.id].state == ACTIVE


def test_keys_change_only_on_an_active_allocation_and_only_to_the_callers_own_keys(p):
    allocation = p.create()
    with pytest.raises(errors.InvalidAllocationStateError):
        p.service.set_ssh_keys(CUSTOMER, "org_1", allocation.id, ("ssh_1",))
    active = p.activate()
    with pytest.raises(errors.SshKeyNotFoundError):
        p.service.set_ssh_keys(CUSTOMER, "org_1", active.id, ("ssh_someone_elses",))
    with pytest.raises(errors.AllocationNotFoundError):
        p.service.set_ssh_keys(replace(CUSTOMER, org_id="org_2"), "org_2", active.id, ("ssh_1",))
    assert p.store.allocations[active.id].version == active.version  # nothing written


def test_a_release_that_was_not_the_customers_is_announced_as_force_released_with_it(p):
    active, other = p.activate(), p.activate()
    p.service.release("org_1", active.id)  # the customer's own: no force_released
    p.service.force_release(OPERATOR, other.id, "abuse")
    assert p.store.events(active.id)[-1] == "allocation.releasing"
    assert p.store.events(other.id)[-2:] == ["allocation.releasing", "allocation.force_released"]
    [forced] = [e for e in p.store.outbox if e.type == "allocation.force_released"]
    assert forced.data["release_reason"] == "operator: abuse" and forced.data["version"] == other.version + 1
    pending = p.create()
    p.service.release("org_1", pending.id, "balance_depleted")  # not built yet: announced when asked for
    assert p.store.events(pending.id)[-2:] == ["allocation.release_requested", "allocation.force_released"]
