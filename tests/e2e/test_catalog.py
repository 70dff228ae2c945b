"""The operator builds a catalog and a fleet; customers browse it."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import items_of_type, sku_body

pytestmark = pytest.mark.e2e


def create_sku(api, **overrides) -> dict:
    response = api.post("/v1/admin/skus", json=sku_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def add_node(api, sku: dict, hostname: str, gpus: int = 8) -> dict:
    body = {"hostname": hostname, "sku_id": sku["id"], "gpu_model": sku["gpu_model"], "gpu_count": gpus}
    response = api.post("/v1/admin/nodes", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def catalog(api, query: str = "") -> list[dict]:
    response = api.get(f"/v1/skus{query}", role=None)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_catalog_filters_and_availability(api):
    h100 = create_sku(api, name="h100-x1")
    a100 = create_sku(api, name="a100-x8", gpu_model="A100-80GB-SXM", gpus=8, price_per_hour_micros=10_320_000)
    l40s = create_sku(api, name="l40s-eu", gpu_model="L40S-48GB", region="eu-west-1", price_per_hour_micros=990_000)
    node = add_node(api, h100, "gpu-001.fleet")
    assert [s["gpu_indexes"] for s in node["slots"]] == [[i] for i in range(8)]

    def names(query: str = "") -> set[str]:
        return {s["name"] for s in catalog(api, query)}

    assert names() == {"h100-x1", "a100-x8", "l40s-eu"}
    assert names("?region=eu-west-1") == {"l40s-eu"}
    assert names("?region=us-east-1&gpu_model=A100-80GB-SXM") == {"a100-x8"}
    assert names("?gpu_model=L40S-48GB") == {"l40s-eu"}
    assert names("?min_gpus=2") == {"a100-x8"}
    assert names("?max_price_per_hour_micros=2490000") == {"h100-x1", "l40s-eu"}
    assert names("?available=true") == {"h100-x1"}
    assert names("?available=false") == {"a100-x8", "l40s-eu"}
    listed = {s["id"]: s for s in catalog(api)}
    assert (listed[h100["id"]]["free_slots"], listed[h100["id"]]["available"]) == (8, True)
    assert listed[a100["id"]]["available"] is False
    assert api.get(f"/v1/skus/{l40s['id']}", role=None).json()["price_per_hour_micros"] == 990_000


def test_cursor_pagination_walks_every_sku_once(api):
    created = {create_sku(api, name=f"sku-{i:02d}")["id"] for i in range(7)}
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(f"/v1/skus{query}", role=None).json()
        seen += [s["id"] for s in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(created)
    assert pages >= 3


def test_update_with_etag_and_retire(api, table):
    sku = create_sku(api)
    got = api.get(f"/v1/admin/skus/{sku['id']}")
    assert got.headers["ETag"] == '"1"'
    updated = api.patch(
        f"/v1/admin/skus/{sku['id']}", json={"price_per_hour_micros": 1_990_000}, headers={"If-Match": '"1"'}
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["version"], updated.headers["ETag"]) == (2, '"2"')
    stale = api.patch(f"/v1/admin/skus/{sku['id']}", json={"vcpus": 30}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "PRECONDITION_FAILED"
    retired = api.post(f"/v1/admin/skus/{sku['id']}/retire")
    assert retired.json()["status"] == "retired"
    assert api.get(f"/v1/skus/{sku['id']}", role=None).status_code == 404
    assert sku["id"] not in {s["id"] for s in catalog(api)}
    assert api.get(f"/v1/admin/skus/{sku['id']}").json()["status"] == "retired"
    refused = add_node_raw(api, sku["id"], "gpu-late.fleet")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "SKU_RETIRED"
    assert items_of_type(table, "node") == []


def add_node_raw(api, sku_id: str, hostname: str):
    body = {"hostname": hostname, "sku_id": sku_id, "gpu_model": "H100-80GB-SXM", "gpu_count": 8}
    return api.post("/v1/admin/nodes", json=body)


def test_nodes_and_os_images(api):
    sku = create_sku(api, gpus=2, name="h100-x2")
    node = add_node(api, sku, "gpu-002.fleet")
    assert node["slot_count"] == 4
    assert api.get(f"/v1/admin/nodes/{node['id']}").json()["slots"][3]["gpu_indexes"] == [6, 7]
    assert [n["id"] for n in api.get("/v1/admin/nodes").json()["items"]] == [node["id"]]
    mismatch = api.post(
        "/v1/admin/nodes",
        json={"hostname": "gpu-003.fleet", "sku_id": sku["id"], "gpu_model": "H100-80GB-SXM", "gpu_count": 3},
    )
    assert mismatch.status_code == 422 and mismatch.json()["error"]["code"] == "SKU_MISMATCH"
    dup = add_node_raw(api, sku["id"], "gpu-002.fleet")
    assert dup.status_code == 409
    image = {
        "name": "ubuntu-22-04",
        "family": "ubuntu",
        "version": "22.04",
        "container_image": "nvidia/cuda:12.4.1",
        "cuda_version": "12.4",
    }
    assert api.post("/v1/admin/os-images", json=image).status_code == 201
    assert [i["name"] for i in api.get("/v1/os-images", role=None).json()["items"]] == ["ubuntu-22-04"]
    assert api.get("/v1/admin/nodes/node_01aaaaaaaaaaaaaaaaaaaaaaaa").json()["error"]["code"] == "NODE_NOT_FOUND"


def test_demo_data_seeds_a_browsable_catalog(api, cloud):
    from localcloud import demo

    assert demo.seed(cloud.api_url) == {"skus": 6, "os_images": 3, "nodes": 6}
    skus = catalog(api, "?limit=50")
    assert {s["region"] for s in skus} == {"us-east-1", "us-west-2", "eu-west-1"}
    assert {s["gpu_model"] for s in skus} >= {"H100-80GB-SXM", "A100-80GB-SXM", "L40S-48GB"}
    h100 = next(s for s in skus if s["name"] == "h100-80gb-sxm-x1-use1")
    assert (h100["total_slots"], h100["free_slots"], h100["available"]) == (16, 16, True)
    assert len(api.get("/v1/os-images", role=None).json()["items"]) == 3


def test_draining_a_node_takes_its_free_slots_out_of_the_catalog(api, cloud):
    sku = create_sku(api, name="drainable")
    keep = add_node(api, sku, "gpu-keep.fleet")
    drain = add_node(api, sku, "gpu-drain.fleet")
    assert api.get(f"/v1/skus/{sku['id']}", role=None).json()["free_slots"] == 16
    r = api.post(f"/v1/admin/nodes/{drain['id']}/drain", json={"reason": "XID 79 on GPU 3"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["version"]) == ("draining", 2)
    assert api.get(f"/v1/skus/{sku['id']}", role=None).json()["free_slots"] == 8
    # Draining twice changes nothing; the reconcile agrees with the counters.
    assert api.post(f"/v1/admin/nodes/{drain['id']}/drain", json={"reason": "again"}).json()["version"] == 2
    assert cloud.run_schedule("CatalogReconcileFunction") == {"corrected": []}
    api.post(f"/v1/admin/nodes/{keep['id']}/drain", json={"reason": "maintenance"})
    listed = {s["id"]: s for s in catalog(api, "?available=false")}
    assert listed[sku["id"]]["free_slots"] == 0 and listed[sku["id"]]["total_slots"] == 16
    back = api.post(f"/v1/admin/nodes/{drain['id']}/undrain")
    assert back.json()["status"] == "active"
    assert api.get(f"/v1/skus/{sku['id']}", role=None).json()["free_slots"] == 8
    missing = api.post("/v1/admin/nodes/node_01aaaaaaaaaaaaaaaaaaaaaaaa/drain", json={"reason": "x"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NODE_NOT_FOUND"
    cloud.drain()
    history = api.get(f"/v1/admin/events?subject={drain['id']}").json()["items"]
    assert [e["type"] for e in history] == ["node.created", "node.drained", "node.undrained"]
    from tests.support.contracts import validate_event

    for event in history:
        validate_event(event)
