"""Concurrent conditional writes through the local cloud hold the way DynamoDB's do."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.helpers import items_of_type, sku_body

pytestmark = pytest.mark.e2e

WORKERS = 100


def race(n: int, fn) -> list:
    with ThreadPoolExecutor(max_workers=min(n, 32)) as pool:
        return list(pool.map(fn, range(n)))


def test_100_concurrent_creates_of_one_name_have_exactly_one_winner(api, table):
    api.token()  # mint outside the race
    responses = race(WORKERS, lambda _: api.post("/v1/admin/skus", json=sku_body(name="contested")))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: WORKERS - 1}, statuses
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"SKU_NAME_TAKEN"}
    assert len(items_of_type(table, "sku")) == 1
    created = [i for i in items_of_type(table, "outbox") if i["event_type"]["S"] == "sku.created"]
    assert len(created) == 1


def test_100_concurrent_updates_of_one_version_have_exactly_one_winner(api, table):
    sku = api.post("/v1/admin/skus", json=sku_body()).json()

    def update(i: int):
        return api.patch(
            f"/v1/admin/skus/{sku['id']}", json={"price_per_hour_micros": 1_000_000 + i}, headers={"If-Match": '"1"'}
        )

    responses = race(WORKERS, update)
    statuses = Counter(r.status_code for r in responses)
    assert statuses[200] == 1, statuses
    assert set(statuses) <= {200, 409, 412}, statuses
    winner = next(r.json() for r in responses if r.status_code == 200)
    final = api.get(f"/v1/admin/skus/{sku['id']}").json()
    assert final["version"] == 2
    assert final["price_per_hour_micros"] == winner["price_per_hour_micros"]
    updates = [i for i in items_of_type(table, "outbox") if i["event_type"]["S"] == "sku.updated"]
    assert len(updates) == 1


def test_concurrent_node_registrations_lose_no_capacity(api, table):
    sku = api.post("/v1/admin/skus", json=sku_body()).json()

    def register(i: int):
        body = {"hostname": f"gpu-{i:03d}.fleet", "sku_id": sku["id"], "gpu_model": "H100-80GB-SXM", "gpu_count": 4}
        return api.post("/v1/admin/nodes", json=body)

    responses = race(24, register)
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, statuses
    created = statuses[201]
    assert created >= 1
    final = api.get(f"/v1/admin/skus/{sku['id']}").json()
    slots = items_of_type(table, "slot")
    assert final["total_slots"] == final["free_slots"] == len(slots) == 4 * created
    assert len(items_of_type(table, "node")) == created
