"""The provisioning and release workflows on moto's Step Functions executor, with a scripted agent:
success, agent failure, agent silence (timeouts), release, and the result route's guarantees."""

from __future__ import annotations

import time
import uuid

import pytest

from chalicelib.core.settings import get_settings
from tests.e2e.fleet_helpers import customer_with_key, scripted_host
from tests.e2e.helpers import items_of_type, sku_body

pytestmark = pytest.mark.e2e


@pytest.fixture
def setup(api):
    sku = api.post("/v1/admin/skus", json=sku_body(gpus=2, name="wf-sku")).json()
    image = {"name": "wf-image", "family": "ubuntu", "version": "22.04", "container_image": "nvidia/cuda:12.4.1"}
    image = api.post("/v1/admin/os-images", json=image).json()
    host = scripted_host(api, sku, "wf-01.fleet", gpus=8)
    customer = customer_with_key(api, "wf")
    return sku, image, host, customer


def create(api, setup, count: int = 1):
    sku, image, _, customer = setup
    headers = {**customer, "Idempotency-Key": str(uuid.uuid4())}
    body = {"sku_id": sku["id"], "os_image_id": image["id"], "count": count}
    r = api.request("POST", "/v1/allocations", role=None, headers=headers, json=body)
    assert r.status_code == 202, r.text
    return r.json()


def get(api, setup, allocation_id: str) -> dict:
    return api.request("GET", f"/v1/allocations/{allocation_id}", role=None, headers=setup[3]).json()


def wait_state(api, setup, allocation_id: str, *states: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        allocation = get(api, setup, allocation_id)
        if allocation["state"] in states or time.monotonic() > deadline:
            return allocation
        time.sleep(0.05)


def free_slots(api, sku) -> int:
    return api.get(f"/v1/skus/{sku['id']}", role=None).json()["free_slots"]


def event_types(api, setup, allocation_id: str) -> list[str]:
    r = api.request("GET", f"/v1/allocations/{allocation_id}/events", role=None, headers=setup[3])
    return [e["type"] for e in r.json()["items"]]


def test_success_then_release(api, setup):
    sku, _, host, customer = setup
    allocation = create(api, setup, count=2)
    assert free_slots(api, sku) == 2
    [command] = host.commands()
    assert command["type"] == "provision" and command["node_id"] == host.node_id
    payload = command["payload"]
    assert payload["allocation_id"] == allocation["id"] and len(payload["slots"]) == 2
    assert payload["container_image"] == "nvidia/cuda:12.4.1" and payload["ssh_user"] == "gpuaas"
    assert len(payload["ssh_public_keys"]) == 1 and payload["ssh_public_keys"][0].startswith("ssh-ed25519 ")
    assert get(api, setup, allocation["id"])["state"] == "provisioning"
    assert host.provisioned(command).status_code == 200
    active = wait_state(api, setup, allocation["id"], "active")
    assert active["state"] == "active" and active["connection"]["port"] == 2201 and active["activated_at"]

    r = api.request("POST", f"/v1/allocations/{allocation['id']}/release", role=None, headers=customer)
    assert r.status_code == 202 and r.json()["state"] == "releasing" and r.json()["allowed_actions"] == []
    [wipe] = host.commands()
    assert wipe["type"] == "release" and wipe["payload"] == {"allocation_id": allocation["id"]}
    assert host.report(wipe["command_id"], wiped=True).status_code == 200
    released = wait_state(api, setup, allocation["id"], "released")
    assert released["state"] == "released" and released["released_at"]
    assert free_slots(api, sku) == 4
    assert event_types(api, setup, allocation["id"]) == [
        "allocation.requested",
        "allocation.provisioning",
        "allocation.active",
        "allocation.releasing",
        "allocation.released",
    ]


def test_agent_failure_compensates(api, setup):
    sku, _, host, _ = setup
    allocation = create(api, setup)
    [command] = host.commands()
    assert host.report(command["command_id"], "failed", "executor_error: image pull failed").status_code == 200
    failed = wait_state(api, setup, allocation["id"], "failed")
    assert failed["state"] == "failed"
    assert failed["reason"] == "provisioning_failed: executor_error: image pull failed"
    assert free_slots(api, sku) == 4
    # Whatever the agent left behind is wiped: a release command follows the failed one.
    [wipe] = host.commands()
    assert wipe["type"] == "release" and wipe["payload"]["allocation_id"] == allocation["id"]
    assert event_types(api, setup, allocation["id"])[-1] == "allocation.failed"
    slots = [s for s in items_of_type(get_settings().table_name, "slot") if s["node_id"]["S"] == host.node_id]
    assert all(s["state"]["S"] == "free" for s in slots)


def test_a_rejected_command_fails_the_allocation(api, setup):
    _, _, host, _ = setup
    allocation = create(api, setup)
    [command] = host.commands()
    host.report(command["command_id"], "rejected", "command_expired")
    failed = wait_state(api, setup, allocation["id"], "failed")
    assert failed["reason"] == "command_rejected: command_expired"


def test_agent_silence_times_out_retries_then_compensates(api, setup, patience):
    patience(heartbeat=1, attempts=2)
    sku, _, host, _ = setup
    allocation = create(api, setup)
    sent = host.commands(wait=6, expect=2)
    # The same command twice: the timeout re-entered the task, which sent it again.
    assert [c["type"] for c in sent] == ["provision", "provision"]
    assert sent[0]["command_id"] == sent[1]["command_id"]
    failed = wait_state(api, setup, allocation["id"], "failed", timeout=10)
    assert failed["state"] == "failed" and failed["reason"].startswith("node_unresponsive")
    assert free_slots(api, sku) == 4
    # The agent comes back and builds it after all: the late result is accepted and wiped again.
    late = host.provisioned(sent[0])
    assert late.status_code == 200 and late.json()["late"] is True
    wipes = [c for c in host.commands(expect=2) if c["type"] == "release"]
    assert wipes and all(c["payload"]["allocation_id"] == allocation["id"] for c in wipes)


def test_node_heartbeats_keep_a_slow_command_alive(api, setup, patience):
    patience(heartbeat=2, attempts=1)
    _, _, host, _ = setup
    allocation = create(api, setup)
    [command] = host.commands()
    for _ in range(8):  # 4 s of a slow image pull, with the node's heartbeats every 0.5 s
        assert host.heartbeat().status_code == 200
        time.sleep(0.5)
    assert get(api, setup, allocation["id"])["state"] == "provisioning"
    host.provisioned(command)
    assert wait_state(api, setup, allocation["id"], "active")["state"] == "active"


def test_release_while_provisioning_goes_straight_to_release(api, setup):
    sku, _, host, customer = setup
    allocation = create(api, setup)
    [command] = host.commands()
    r = api.request("POST", f"/v1/allocations/{allocation['id']}/release", role=None, headers=customer)
    assert r.status_code == 202 and r.json()["release_requested_at"] and r.json()["allowed_actions"] == []
    again = api.request("POST", f"/v1/allocations/{allocation['id']}/release", role=None, headers=customer)
    assert again.status_code == 409 and again.json()["error"]["code"] == "INVALID_ALLOCATION_STATE"
    host.provisioned(command)
    [wipe] = host.commands()
    assert wipe["type"] == "release"
    host.report(wipe["command_id"], wiped=True)
    released = wait_state(api, setup, allocation["id"], "released")
    assert released["activated_at"] is None  # never usable, never billed
    assert "allocation.active" not in event_types(api, setup, allocation["id"])
    assert free_slots(api, sku) == 4


def test_an_unconfirmed_wipe_keeps_the_slots_out_until_it_is_confirmed(api, setup, patience):
    patience(heartbeat=1, attempts=1)
    sku, _, host, customer = setup
    allocation = create(api, setup)
    [command] = host.commands()
    host.provisioned(command)
    wait_state(api, setup, allocation["id"], "active")
    api.request("POST", f"/v1/allocations/{allocation['id']}/release", role=None, headers=customer)
    [wipe] = host.commands()
    released = wait_state(api, setup, allocation["id"], "released", timeout=10)
    assert released["state"] == "released"
    assert free_slots(api, sku) == 3  # held back: nobody confirmed the host is clean
    late = host.report(wipe["command_id"], wiped=True)
    assert late.status_code == 200 and late.json()["late"] is True
    assert free_slots(api, sku) == 4
    assert event_types(api, setup, allocation["id"])[-1] == "allocation.wiped"


def test_results_are_taken_once_and_only_from_the_commands_node(api, setup):
    sku, _, big, _ = setup
    small = scripted_host(api, sku, "wf-02.fleet", gpus=2)
    allocation = create(api, setup)
    assert allocation["node_id"] == small.node_id  # best fit: the node with the fewest free slots that fit
    [command] = small.commands()
    stolen = big.provisioned(command)
    assert stolen.status_code == 404 and stolen.json()["error"]["code"] == "COMMAND_NOT_FOUND"
    unknown = small.report("cmd_01aaaaaaaaaaaaaaaaaaaaaaaa", wiped=True)
    assert unknown.status_code == 404
    incomplete = small.report(command["command_id"], ssh_host="x.fleet")
    assert incomplete.status_code == 400 and incomplete.json()["error"]["code"] == "VALIDATION_ERROR"
    assert small.provisioned(command).status_code == 200
    dup = small.provisioned(command)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "COMMAND_ALREADY_REPORTED"
    assert wait_state(api, setup, allocation["id"], "active")["state"] == "active"
    # A customer's or an operator's token cannot report results; a node token cannot read allocations.
    customer = setup[3]
    body = {"status": "succeeded", "reason": None, "output": {}, "finished_at": "2026-11-26T12:00:00.000Z"}
    path = f"/v1/agent/commands/{command['command_id']}/result"
    assert api.request("POST", path, role=None, headers=customer, json=body).status_code == 403
    assert api.post(path, json=body).status_code == 403
    assert api.request("GET", "/v1/allocations", role=None, headers=small.auth).status_code == 403
    assert big.commands(wait=0.2, expect=1) == []  # the other node never saw it


def test_a_release_whose_workflow_did_not_start_is_started_by_asking_again(api, setup, monkeypatch):
    from datetime import timedelta

    from chalicelib import bootstrap

    sku, _, host, customer = setup
    service = bootstrap.provisioning_service()
    real_start = service._workflows.start
    names: list[str] = []

    def flaky_start(workflow, name, payload):
        names.append(name)
        if len(names) in (1, 3):  # the first and third release starts fail
            raise RuntimeError("Step Functions is unavailable")
        return real_start(workflow, name, payload)

    for retry_later in (False, True):
        allocation = create(api, setup)
        [command] = host.commands()
        host.provisioned(command)
        wait_state(api, setup, allocation["id"], "active")
        monkeypatch.setattr(service._workflows, "start", flaky_start)
        path = f"/v1/allocations/{allocation['id']}/release"
        first = api.request("POST", path, role=None, headers=customer)
        assert first.status_code == 503 and first.headers["Retry-After"]
        assert get(api, setup, allocation["id"])["state"] == "releasing"  # billing stopped already
        if retry_later:  # a first run that died before its first step: the retry takes a new name
            later = type("Later", (), {"now": lambda self: bootstrap.clock.now() + timedelta(minutes=5)})()
            monkeypatch.setattr(service, "_clock", later)
        assert api.request("POST", path, role=None, headers=customer).status_code == 202
        monkeypatch.setattr(service._workflows, "start", real_start)
        monkeypatch.setattr(service, "_clock", bootstrap.clock)
        [wipe] = host.commands()
        host.report(wipe["command_id"], wiped=True)
        assert wait_state(api, setup, allocation["id"], "released")["state"] == "released"
    first_id, second_id = names[0].split("-")[0], names[2].split("-")[0]
    assert names[:2] == [f"{first_id}-release"] * 2  # soon after: the same name, never a twin run
    assert names[2] == f"{second_id}-release" and names[3].startswith(f"{second_id}-release-r")
    assert free_slots(api, sku) == 4
