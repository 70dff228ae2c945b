"""Allocations under stress: many customers racing for few slots, agents that crash, commands
delivered twice, nodes that go down under running allocations."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from chalicelib.core.settings import get_settings
from tests.e2e.fleet_helpers import rentable_fleet
from tests.e2e.helpers import items_of_type
from tests.support.contracts import load_function_event

pytestmark = pytest.mark.e2e


def stop(fleet) -> None:
    fleet.agents.signal_stop()
    fleet.agents.wait()


def test_fifty_concurrent_creates_for_eight_slots(api, cloud):
    fleet = rentable_fleet(api, cloud, hosts=2, gpus_per_host=4, sku_gpus=1, name="race")
    try:
        with ThreadPoolExecutor(max_workers=50) as pool:
            responses = list(pool.map(lambda _: fleet.create(), range(50)))
        codes = Counter((r.status_code, r.json().get("error", {}).get("code")) for r in responses)
        assert codes[(202, None)] == 8, codes
        assert codes[(409, "INSUFFICIENT_CAPACITY")] == 42, codes
        accepted = [r.json()["id"] for r in responses if r.status_code == 202]
        states = [fleet.wait_for(a, "active", "failed", timeout=30)["state"] for a in accepted]
        assert states == ["active"] * 8
        # From the table, not from the responses: every slot is held by exactly one allocation,
        # and every allocation holds exactly the slots it was given.
        table = get_settings().table_name
        slots = items_of_type(table, "slot")
        holders = Counter(s["allocation_id"]["S"] for s in slots if "allocation_id" in s)
        assert len(slots) == 8 and sorted(holders) == sorted(accepted) and set(holders.values()) == {1}
        assert all(s["state"]["S"] == "claimed" and "GSI1PK" not in s for s in slots)
        allocations = items_of_type(table, "allocation")
        claimed = Counter(
            (a["node_id"]["S"], int(slot["M"]["index"]["N"])) for a in allocations for slot in a["slots"]["L"]
        )
        assert len(allocations) == 8 and set(claimed.values()) == {1}
        assert fleet.free_slots() == 0
    finally:
        stop(fleet)


def test_an_agent_killed_mid_provision_completes_the_command_when_restarted(api, cloud):
    fleet = rentable_fleet(api, cloud, name="crash", gpus_per_host=2, provision_seconds=2.0)
    hostname = fleet.hostnames[0]
    try:
        allocation = fleet.create().json()
        sandbox = fleet.sandbox(hostname, allocation["id"])
        deadline = time.monotonic() + 10
        while not sandbox.exists():  # the agent has started building it
            assert time.monotonic() < deadline
            time.sleep(0.05)
        fleet.agents.kill(hostname)
        time.sleep(0.5)
        assert fleet.get(allocation["id"])["state"] == "provisioning"
        fleet.agents.start(hostname, None, 2, "H100-80GB-SXM", provision_seconds=0.1)
        active = fleet.wait_for(allocation["id"], "active", "failed", timeout=20)
        assert active["state"] == "active", active
        assert (sandbox / "ssh" / "authorized_keys").exists()
        log = (fleet.agents.root / f"{hostname}.log").read_text()
        assert "command_resumed" in log
    finally:
        stop(fleet)


def test_an_agent_that_stays_dead_times_out_and_compensates(api, cloud, patience):
    patience(heartbeat=1, attempts=2)
    fleet = rentable_fleet(api, cloud, name="dead", gpus_per_host=2, provision_seconds=30.0)
    hostname = fleet.hostnames[0]
    try:
        allocation = fleet.create().json()
        sandbox = fleet.sandbox(hostname, allocation["id"])
        deadline = time.monotonic() + 10
        while not sandbox.exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        fleet.agents.kill(hostname)
        failed = fleet.wait_for(allocation["id"], "failed", timeout=15)
        assert failed["state"] == "failed" and failed["reason"].startswith("node_unresponsive"), failed
        assert fleet.free_slots() == 2
        types = [
            e["type"]
            for e in api.request(
                "GET", f"/v1/allocations/{allocation['id']}/events", role=None, headers=fleet.customer
            ).json()["items"]
        ]
        assert types[-1] == "allocation.failed"
    finally:
        stop(fleet)


def test_a_command_delivered_twice_runs_once(api, cloud):
    fleet = rentable_fleet(api, cloud, name="twice", gpus_per_host=2, provision_seconds=0.5)
    hostname = fleet.hostnames[0]
    try:
        allocation = fleet.create().json()
        active = fleet.wait_for(allocation["id"], "active", timeout=15)
        assert active["state"] == "active"
        command = next(
            c for c in items_of_type(get_settings().table_name, "command")
            if c["allocation_id"]["S"] == allocation["id"]
        )  # fmt: skip
        document = json.loads(command["document"]["S"])
        queue = next(u for u in boto3.client("sqs").list_queues()["QueueUrls"] if active["node_id"] in u)
        boto3.client("sqs").send_message(
            QueueUrl=queue,
            MessageBody=json.dumps(document),
            MessageGroupId=active["node_id"],
            MessageDeduplicationId=str(uuid.uuid4()),
        )
        log_path = fleet.agents.root / f"{hostname}.log"
        deadline = time.monotonic() + 10
        while "command_already_finished" not in log_path.read_text():
            assert time.monotonic() < deadline, log_path.read_text()[-2000:]
            time.sleep(0.1)
        log = log_path.read_text()
        assert log.count('"event":"command_started"') == 1
        assert fleet.get(allocation["id"])["state"] == "active"
    finally:
        stop(fleet)


def test_allocations_on_a_node_that_goes_down_stop_billing_with_an_event(api, cloud):
    fleet = rentable_fleet(api, cloud, name="down", gpus_per_host=2)
    try:
        allocation = fleet.create().json()
        fleet.wait_for(allocation["id"], "active")
        stop(fleet)  # the host goes silent

        def sweep(after_seconds: int) -> dict:
            event = load_function_event("node_health_schedule")
            event["time"] = (datetime.now(UTC) + timedelta(seconds=after_seconds)).isoformat().replace("+00:00", "Z")
            return cloud.invoke("NodeHealthFunction", event)

        assert list(sweep(400)["changed"].values()) == ["down"]
        sweep(460)  # a second sweep while down changes nothing
        after = fleet.get(allocation["id"])
        assert after["state"] == "active" and after["node_down_at"]
        events = api.request(
            "GET", f"/v1/allocations/{allocation['id']}/events", role=None, headers=fleet.customer
        ).json()["items"]
        down = [e for e in events if e["type"] == "allocation.node_down"]
        assert len(down) == 1 and down[0]["data"]["node_down_at"] == after["node_down_at"]
    finally:
        stop(fleet)
