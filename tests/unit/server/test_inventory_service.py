from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from chalicelib.audit.models import Actor
from chalicelib.core import errors
from chalicelib.inventory.commands import CreateNode, CreateOsImage, CreateSku, UpdateSku
from chalicelib.inventory.models import SKU_RETIRED, CatalogFilter
from chalicelib.inventory.service import InventoryService
from tests.fakes.clock import FakeClock
from tests.fakes.inventory import FakeReader, FakeUnitOfWork, InMemoryStore

ACTOR = Actor(user_id="usr_ops", org_id="org_ops", role="owner", operator=True, request_id="req-test")


pytestmark = pytest.mark.unit


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def service(store: InMemoryStore) -> InventoryService:
    return InventoryService(FakeReader(store), lambda: FakeUnitOfWork(store), FakeClock())


def h100(name: str = "h100-80gb-x1", **overrides) -> CreateSku:
    fields = dict(
        name=name,
        gpu_model="H100-80GB-SXM",
        gpus=1,
        vcpus=26,
        ram_gib=200,
        disk_gib=1000,
        region="us-east-1",
        price_per_hour_micros=2_490_000,
        currency="USD",
    )
    fields.update(overrides)
    return CreateSku(**fields)


def test_create_sku_writes_the_sku_and_its_event_in_one_commit(service, store):
    sku = service.create_sku(ACTOR, h100())
    assert store.skus[sku.id] == sku
    assert [e.type for e in store.outbox] == ["sku.created"]
    assert store.outbox[0].data["sku"]["price_per_hour_micros"] == 2_490_000
    assert store.transactions == 1
    assert sku.available is False  # no node yet, so nothing free


def test_a_sku_name_is_unique_and_a_refused_create_writes_nothing(service, store):
    service.create_sku(ACTOR, h100())
    with pytest.raises(errors.SkuNameTakenError):
        service.create_sku(ACTOR, h100())
    assert len(store.skus) == 1
    assert len(store.outbox) == 1


def test_node_is_cut_into_slots_of_the_sku_and_capacity_follows(service, store):
    sku = service.create_sku(ACTOR, h100(gpus=2, name="h100-80gb-x2"))
    node = service.create_node(ACTOR, CreateNode("gpu-001.fleet", sku.id, "H100-80GB-SXM", 8))
    assert node.slot_count == 4
    assert [s.gpu_indexes for s in node.slots] == [(0, 1), (2, 3), (4, 5), (6, 7)]
    after = service.get_sku(sku.id)
    assert (after.total_slots, after.free_slots, after.available) == (4, 4, True)
    assert [e.type for e in store.outbox] == ["sku.created", "node.created"]


@pytest.mark.parametrize(
    ("gpu_model", "gpu_count", "error"),
    [("A100-80GB-SXM", 8, errors.SkuMismatchError), ("H100-80GB-SXM", 7, errors.SkuMismatchError)],
)
def test_a_node_that_does_not_fit_its_sku_is_refused(service, store, gpu_model, gpu_count, error):
    sku = service.create_sku(ACTOR, h100(gpus=2, name="h100-80gb-x2"))
    with pytest.raises(error):
        service.create_node(ACTOR, CreateNode("gpu-001.fleet", sku.id, gpu_model, gpu_count))
    assert store.nodes == {}


def test_hostnames_are_unique(service):
    sku = service.create_sku(ACTOR, h100())
    service.create_node(ACTOR, CreateNode("gpu-001.fleet", sku.id, "H100-80GB-SXM", 8))
    with pytest.raises(errors.NodeHostnameTakenError):
        service.create_node(ACTOR, CreateNode("gpu-001.fleet", sku.id, "H100-80GB-SXM", 8))


def test_update_changes_only_what_differs_and_bumps_the_version(service, store):
    sku = service.create_sku(ACTOR, h100())
    same = service.update_sku(ACTOR, sku.id, UpdateSku(price_per_hour_micros=2_490_000), expected_version=None)
    assert same.version == 1 and len(store.outbox) == 1  # nothing changed, nothing emitted
    updated = service.update_sku(ACTOR, sku.id, UpdateSku(price_per_hour_micros=1_990_000), expected_version=1)
    assert (updated.version, updated.price_per_hour_micros) == (2, 1_990_000)
    assert store.outbox[-1].type == "sku.updated"
    assert store.outbox[-1].data["changed_fields"] == ["price_per_hour_micros"]


def test_update_with_a_stale_version_is_refused(service):
    sku = service.create_sku(ACTOR, h100())
    service.update_sku(ACTOR, sku.id, UpdateSku(vcpus=30), expected_version=1)
    with pytest.raises(errors.PreconditionFailedError):
        service.update_sku(ACTOR, sku.id, UpdateSku(vcpus=32), expected_version=1)


def test_racing_updates_lose_no_update_and_never_both_win(service, store):
    sku = service.create_sku(ACTOR, h100())
    reader = FakeReader(store)
    before = reader.get_sku(sku.id)
    # Two writers read version 1; the second commit must fail, not overwrite.
    first, second = FakeUnitOfWork(store), FakeUnitOfWork(store)
    first.update_sku(before, replace(before, vcpus=30, version=2))
    second.update_sku(before, replace(before, vcpus=40, version=2))
    first.commit()
    with pytest.raises(errors.ConcurrentUpdateError):
        second.commit()
    assert store.skus[sku.id].vcpus == 30


def test_retired_sku_leaves_the_catalog_takes_no_nodes_and_retiring_twice_is_harmless(service, store):
    sku = service.create_sku(ACTOR, h100())
    retired = service.retire_sku(ACTOR, sku.id, expected_version=None)
    assert retired.status == SKU_RETIRED
    assert service.retire_sku(ACTOR, sku.id, expected_version=None).version == retired.version
    assert service.list_catalog(CatalogFilter(), 10, None).items == []
    with pytest.raises(errors.SkuNotFoundError):
        service.get_sku(sku.id)
    with pytest.raises(errors.SkuRetiredError):
        service.create_node(ACTOR, CreateNode("gpu-009.fleet", sku.id, "H100-80GB-SXM", 8))
    with pytest.raises(errors.SkuRetiredError):
        service.update_sku(ACTOR, sku.id, UpdateSku(vcpus=2), expected_version=None)
    assert [e.type for e in store.outbox] == ["sku.created", "sku.retired"]


def test_catalog_filters(service):
    a = service.create_sku(ACTOR, h100())
    b = service.create_sku(
        ACTOR, h100(name="a100-x8", gpu_model="A100-80GB-SXM", gpus=8, price_per_hour_micros=9_000_000)
    )
    c = service.create_sku(
        ACTOR, h100(name="l40s-eu", gpu_model="L40S", region="eu-west-1", price_per_hour_micros=990_000)
    )
    service.create_node(ACTOR, CreateNode("gpu-a.fleet", a.id, "H100-80GB-SXM", 8))

    def ids(**kw):
        return {s.id for s in service.list_catalog(CatalogFilter(**kw), 50, None).items}

    assert ids() == {a.id, b.id, c.id}
    assert ids(region="eu-west-1") == {c.id}
    assert ids(gpu_model="A100-80GB-SXM") == {b.id}
    assert ids(min_gpus=2) == {b.id}
    assert ids(max_price_per_hour_micros=2_490_000) == {a.id, c.id}
    assert ids(available=True) == {a.id}
    assert ids(available=False) == {b.id, c.id}


def test_reconcile_repairs_drifted_counters_and_reports_them(service, store):
    sku = service.create_sku(ACTOR, h100())
    service.create_node(ACTOR, CreateNode("gpu-a.fleet", sku.id, "H100-80GB-SXM", 8))
    assert service.reconcile_capacity(page_size=10) == []
    store.skus[sku.id] = replace(store.skus[sku.id], free_slots=3)  # drift injected behind the API
    assert service.reconcile_capacity(page_size=1) == [sku.id]
    assert store.skus[sku.id].free_slots == 8
    assert store.outbox[-1].type == "sku.capacity_corrected"
    assert store.outbox[-1].data["before"]["free_slots"] == 3


def test_os_images(service, store):
    image = service.create_os_image(
        ACTOR, CreateOsImage("ubuntu-22-04-cuda-12-4", "ubuntu", "22.04", "nvidia/cuda:12.4.1", "12.4")
    )
    assert service.get_os_image(image.id) == image
    with pytest.raises(errors.OsImageNameTakenError):
        service.create_os_image(ACTOR, CreateOsImage("ubuntu-22-04-cuda-12-4", "ubuntu", "22.04", "x", None))
    with pytest.raises(errors.OsImageNotFoundError):
        service.get_os_image("img_missing")


def test_concurrent_node_registrations_lose_no_capacity(service, store):
    sku = service.create_sku(ACTOR, h100())
    barrier = threading.Barrier(8)

    def register(i: int) -> None:
        barrier.wait()
        service.create_node(ACTOR, CreateNode(f"gpu-{i:03d}.fleet", sku.id, "H100-80GB-SXM", 8))

    threads = [threading.Thread(target=register, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.skus[sku.id].total_slots == 64
