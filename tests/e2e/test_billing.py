"""Money on the local cloud: per-second settlement exactly once, runway, force-release at zero,
reconciliation, policy and caps."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from chalicelib.core.settings import get_settings
from tests.e2e.fleet_helpers import customer_with_key, scripted_host
from tests.e2e.helpers import items_of_type, sku_body
from tests.support.contracts import load_function_event

pytestmark = pytest.mark.e2e

PRICE = 3_600_000  # 3.60 per hour: 1000 micros per second, so expected charges are easy to read


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Rig:
    """A SKU, an OS image, one scripted host and a customer, with helpers to rent and to sweep."""

    def __init__(self, api, cloud, name: str, *, role: str = "owner") -> None:
        self.api, self.cloud = api, cloud
        self.sku = api.post("/v1/admin/skus", json=sku_body(name=f"{name}-sku", price_per_hour_micros=PRICE)).json()
        image = {"name": f"{name}-img", "family": "ubuntu", "version": "22.04", "container_image": "nvidia/cuda:12"}
        self.image = api.post("/v1/admin/os-images", json=image).json()
        self.host = scripted_host(api, self.sku, f"{name}-01.fleet", gpus=8)
        self.customer = customer_with_key(api, name, role=role)

    def call(self, method: str, path: str, **kwargs):
        return self.api.request(method, path, role=None, headers=self.customer, **kwargs)

    def create(self):
        headers = {**self.customer, "Idempotency-Key": str(uuid.uuid4())}
        body = {"sku_id": self.sku["id"], "os_image_id": self.image["id"]}
        return self.api.request("POST", "/v1/allocations", role=None, headers=headers, json=body)

    def rent(self) -> dict:
        r = self.create()
        assert r.status_code == 202, r.text
        [command] = self.host.commands()
        self.host.provisioned(command)
        return self.wait(r.json()["id"], "active")

    def release(self, allocation_id: str) -> dict:
        assert self.call("POST", f"/v1/allocations/{allocation_id}/release").status_code == 202
        [wipe] = self.host.commands()
        self.host.report(wipe["command_id"], wiped=True)
        return self.wait(allocation_id, "released")

    def wait(self, allocation_id: str, state: str, timeout: float = 10) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            allocation = self.call("GET", f"/v1/allocations/{allocation_id}").json()
            if allocation["state"] == state or time.monotonic() > deadline:
                assert allocation["state"] == state, allocation
                return allocation
            time.sleep(0.05)

    def sweep(self, at: datetime) -> dict:
        event = load_function_event("billing_sweep_schedule")
        event["time"] = iso(at)
        result = self.cloud.invoke("BillingSweepFunction", event)
        self.cloud.drain()  # the settlement batches, through SQS, to the settle Lambda
        return result

    def balance(self) -> dict:
        return self.call("GET", "/v1/billing/balance").json()

    def usage_entries(self, allocation_id: str) -> list[dict]:
        return [e for e in ledger_entries() if e["allocation_id"] == allocation_id]


def ledger_entries() -> list[dict]:
    """Every ledger entry as stored, attribute by attribute."""
    return [
        {
            "id": i["id"]["S"],
            "org_id": i["org_id"]["S"],
            "allocation_id": i.get("allocation_id", {}).get("S"),
            "wallet_delta_micros": int(i["wallet_delta_micros"]["N"]),
            "lines": [int(line["M"]["amount_micros"]["N"]) for line in i["lines"]["L"]],
        }
        for i in items_of_type(get_settings().table_name, "ledger_entry")
    ]


@pytest.fixture
def rig(api, cloud):
    return Rig(api, cloud, "bill")


def expected_charge(allocation: dict, end: str) -> int:
    seconds = int((parse(end) - parse(allocation["activated_at"])).total_seconds())
    return PRICE * seconds // 3600


def test_new_orgs_start_with_welcome_credit_and_see_burn_and_runway(rig):
    before = rig.balance()
    assert before["balance_micros"] == 100_000_000 and before["burn_rate_per_hour_micros"] == 0
    assert before["runway_seconds"] is None
    ledger = rig.call("GET", "/v1/billing/ledger").json()["items"]
    assert [(e["kind"], e["wallet_delta_micros"]) for e in ledger] == [("promotion", 100_000_000)]
    rig.rent()
    during = rig.balance()
    assert during["burn_rate_per_hour_micros"] == PRICE and during["active_allocations"] == 1
    assert 0 < during["runway_seconds"] <= 100 * 3600 // 3.6 + 1


def test_two_sweeps_at_once_and_a_crashed_sweep_bill_every_second_once(rig, cloud, monkeypatch):
    a = rig.rent()
    b = rig.rent()
    start = parse(min(a["activated_at"], b["activated_at"]))
    # Two sweeps of the same minute at once.
    t1 = start + timedelta(minutes=2, seconds=30)
    threads = [threading.Thread(target=rig.sweep, args=(t1,)) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    # A sweep that dies half way through its batch, then runs again (SQS redelivers it).
    from chalicelib import bootstrap

    t2 = start + timedelta(minutes=4, seconds=10)
    billing = bootstrap.billing_service()
    real_settle = billing.settle
    calls = {"n": 0}

    def dying(allocation_id, until):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed half way")
        return real_settle(allocation_id, until)

    monkeypatch.setattr(billing, "settle", dying)
    event = load_function_event("billing_sweep_schedule")
    event["time"] = iso(t2)
    cloud.invoke("BillingSweepFunction", event)
    cloud.drain()  # first attempt fails half way; the local cloud redelivers at once
    monkeypatch.setattr(billing, "settle", real_settle)
    rig.sweep(t2)  # and the next sweep of the same minute again
    for allocation in (a, b):
        period_end = t2.replace(second=0, microsecond=0)
        charged = -sum(e["wallet_delta_micros"] for e in rig.usage_entries(allocation["id"]))
        assert charged == expected_charge(allocation, iso(period_end))
    # Release: billing stops at the release request; the final settlement corrects to it exactly.
    released = rig.release(a["id"])
    rig.sweep(t2 + timedelta(minutes=1))
    charged = -sum(e["wallet_delta_micros"] for e in rig.usage_entries(a["id"]))
    assert charged == expected_charge(a, released["release_requested_at"])
    ids = [e["id"] for e in rig.usage_entries(a["id"])]
    assert len(ids) == len(set(ids))
    # The sweeps above run minutes ahead of the clock: near midnight they fall on the next day.
    days = f"since={start.strftime('%Y-%m-%d')}&until={(t2 + timedelta(days=1)).strftime('%Y-%m-%d')}"
    usage = rig.call("GET", f"/v1/billing/usage?{days}").json()
    by_alloc = {u["allocation_id"]: u for u in usage["by_allocation"]}
    assert by_alloc[a["id"]]["micros"] == charged
    wallet = rig.balance()
    entries = [e for e in ledger_entries() if e["org_id"] == wallet["org_id"]]
    assert wallet["settled_balance_micros"] == sum(e["wallet_delta_micros"] for e in entries)
    assert all(sum(e["lines"]) == 0 for e in entries)  # every stored entry balances


def test_a_balance_at_zero_releases_everything_after_the_grace_period(api, cloud):
    api.request("PATCH", "/v1/admin/billing-policy", json={"welcome_credit_micros": 30_000, "min_runway_seconds": 0,
                                                           "grace_seconds": 60})  # fmt: skip
    rig = Rig(api, cloud, "broke")
    allocation = rig.rent()
    start = parse(allocation["activated_at"])
    rig.sweep(start + timedelta(seconds=125))  # 30 s of credit; the minute swept is 65 to 125 s in
    balance = rig.balance()
    assert balance["settled_balance_micros"] < 0 and balance["depleted_at"]
    assert rig.call("GET", f"/v1/allocations/{allocation['id']}").json()["state"] == "active"  # grace
    result = rig.sweep(parse(balance["depleted_at"]) + timedelta(seconds=61))
    assert result["force_released"] == [allocation["id"]]
    [wipe] = rig.host.commands()
    rig.host.report(wipe["command_id"], wiped=True)
    released = rig.wait(allocation["id"], "released")
    # Billing stopped at the release: later sweeps add nothing.
    charged = -sum(e["wallet_delta_micros"] for e in rig.usage_entries(allocation["id"]))
    assert charged == expected_charge(allocation, released["release_requested_at"])
    rig.sweep(parse(balance["depleted_at"]) + timedelta(minutes=5))
    assert -sum(e["wallet_delta_micros"] for e in rig.usage_entries(allocation["id"])) == charged
    cloud.drain()
    events = [e["type"] for e in api.get(f"/v1/admin/events?subject={balance['org_id']}").json()["items"]]
    assert "billing.balance_depleted" in events and "billing.force_released" in events
    assert events.count("billing.low_balance") == 2  # both thresholds, once each
    history = rig.call("GET", f"/v1/allocations/{allocation['id']}/events").json()["items"]
    releasing = next(e for e in history if e["type"] == "allocation.releasing")
    assert releasing["data"]["release_reason"] == "balance_depleted"


def test_reconciliation_reports_a_drift_injected_into_the_table(rig, cloud, api):
    rig.rent()
    org = rig.balance()["org_id"]
    assert cloud.invoke("BillingReconcileFunction", load_function_event("billing_reconcile_schedule")) == {"drifts": []}
    table = get_settings().table_name
    boto3.client("dynamodb").update_item(
        TableName=table,
        Key={"PK": {"S": f"WALLET#{org}"}, "SK": {"S": "WALLET"}},
        UpdateExpression="ADD balance_micros :d",
        ExpressionAttributeValues={":d": {"N": "1234"}},
    )
    result = cloud.invoke("BillingReconcileFunction", load_function_event("billing_reconcile_schedule"))
    assert result["drifts"] == [
        {"org_id": org, "balance_micros": 100_001_234, "ledger_total_micros": 100_000_000, "drift_micros": 1234}
    ]
    cloud.drain()
    events = api.get(f"/v1/admin/events?subject={org}").json()["items"]
    assert [e["data"]["drift_micros"] for e in events if e["type"] == "billing.drift_detected"] == [1234]


def test_caps_runway_and_roles_guard_new_allocations(api, cloud):
    rig = Rig(api, cloud, "caps")
    assert rig.call("PUT", "/v1/billing/spend-cap", json={"daily_cap_micros": 0}).status_code == 200
    refused = rig.create()
    assert refused.status_code == 402 and refused.json()["error"]["code"] == "SPEND_CAP_REACHED"
    assert rig.call("PUT", "/v1/billing/spend-cap", json={"daily_cap_micros": None}).json()["daily_cap_micros"] is None
    api.request("PATCH", "/v1/admin/billing-policy", json={"min_runway_seconds": 30 * 86400})
    poor = rig.create()
    assert poor.status_code == 402 and poor.json()["error"]["code"] == "INSUFFICIENT_FUNDS"
    member = {"Authorization": f"Bearer {api.token('member', user='caps-member', org='caps-org')}"}
    assert api.request("GET", "/v1/billing/balance", role=None, headers=member).status_code == 403
    assert (
        api.request("PUT", "/v1/billing/spend-cap", role=None, headers=member, json={"daily_cap_micros": 1}).status_code
        == 403
    )
    assert items_of_type(get_settings().table_name, "allocation") == []


def test_racing_settlements_and_credits_lose_nothing(rig):
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib import bootstrap

    allocations = [rig.rent() for _ in range(3)]
    org = rig.balance()["org_id"]
    billing = bootstrap.billing_service()
    until = parse(max(a["activated_at"] for a in allocations)) + timedelta(minutes=3)

    def settle(i: int):
        return billing.settle(allocations[i % 3]["id"], until)

    def credit(i: int):
        return billing.credit(org, f"adjustment:race:{i % 10}", "adjustment", 1_000, description="race")

    with ThreadPoolExecutor(max_workers=16) as pool:
        settled = list(pool.map(settle, range(30)))
        credited = list(pool.map(credit, range(40)))
    assert sum(1 for s in settled if s.settled_seconds) == 3  # one winner per allocation
    assert credited.count(True) == 10  # ten distinct causes, each posted once
    charged = sum(-sum(e["wallet_delta_micros"] for e in rig.usage_entries(a["id"])) for a in allocations)
    assert charged == sum(expected_charge(a, iso(until)) for a in allocations)
    assert rig.balance()["settled_balance_micros"] == 100_000_000 - charged + 10 * 1_000
