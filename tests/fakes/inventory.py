"""In-memory inventory storage with DynamoDB's semantics: a unit of work applies all or nothing,
and each write's condition maps to the same domain error as in chalicelib.storage."""

from __future__ import annotations

import threading
from dataclasses import replace

from chalicelib.core import errors
from chalicelib.core.events import DomainEvent
from chalicelib.inventory.models import SKU_ACTIVE, SLOT_FREE, CatalogFilter, Node, OsImage, Page, Sku, Slot
from tests.fakes.unit_of_work import FakeStore, FakeUnitOfWorkBase, Op


class InMemoryStore(FakeStore):
    def __init__(self) -> None:
        self.skus: dict[str, Sku] = {}
        self.images: dict[str, OsImage] = {}
        self.nodes: dict[str, Node] = {}
        self.slots: dict[tuple[str, int], Slot] = {}
        self.unique: dict[tuple[str, str], str] = {}
        self.outbox: list[DomainEvent] = []
        self.audit: list = []
        self.transactions = 0
        self.lock = threading.Lock()


def _page(items: list, limit: int, cursor: str | None) -> Page:
    start = int(cursor) if cursor else 0
    chunk = items[start : start + limit]
    nxt = str(start + limit) if start + limit < len(items) else None
    return Page(chunk, nxt)


class FakeReader:
    def __init__(self, store: InMemoryStore) -> None:
        self.s = store

    def get_sku(self, sku_id: str) -> Sku | None:
        return self.s.skus.get(sku_id)

    def list_catalog(self, query: CatalogFilter, limit: int, cursor: str | None) -> Page:
        def keep(k: Sku) -> bool:
            return (
                k.status == SKU_ACTIVE
                and (query.region is None or k.region == query.region)
                and (query.gpu_model is None or k.gpu_model == query.gpu_model)
                and (query.min_gpus is None or k.gpus >= query.min_gpus)
                and (
                    query.max_price_per_hour_micros is None
                    or k.price_per_hour_micros <= query.max_price_per_hour_micros
                )
                and (query.available is None or k.available == query.available)
            )

        items = sorted(
            (k for k in self.s.skus.values() if keep(k)), key=lambda k: (k.region, k.gpu_model, k.gpus, k.id)
        )
        return _page(items, limit, cursor)

    def list_skus(self, limit: int, cursor: str | None) -> Page:
        return _page(sorted(self.s.skus.values(), key=lambda k: k.id), limit, cursor)

    def get_os_image(self, image_id: str) -> OsImage | None:
        return self.s.images.get(image_id)

    def list_os_images(self, *, available_only: bool, limit: int, cursor: str | None) -> Page:
        return _page(sorted(self.s.images.values(), key=lambda i: i.name), limit, cursor)

    def get_node(self, node_id: str) -> Node | None:
        node = self.s.nodes.get(node_id)
        if node is None:
            return None
        slots = tuple(sorted((s for s in self.s.slots.values() if s.node_id == node_id), key=lambda s: s.index))
        return replace(node, slots=slots)

    def list_nodes(self, limit: int, cursor: str | None) -> Page:
        return _page(sorted(self.s.nodes.values(), key=lambda n: n.id), limit, cursor)

    def count_capacity(self, sku_id: str) -> tuple[int, int]:
        slots = [s for s in self.s.slots.values() if s.sku_id == sku_id]
        return len(slots), sum(1 for s in slots if s.state == SLOT_FREE)


class FakeUnitOfWork(FakeUnitOfWorkBase[InMemoryStore]):
    def add_sku(self, sku: Sku) -> None:
        self.ops.append(("unique", ("sku_name", sku.name), sku.id, errors.SkuNameTakenError))
        self.ops.append(("sku_new", sku))

    def update_sku(self, before: Sku, after: Sku) -> None:
        if before.name != after.name:
            self.ops.append(("unique", ("sku_name", after.name), after.id, errors.SkuNameTakenError))
            self.ops.append(("unique_release", ("sku_name", before.name)))
        self.ops.append(("sku_update", before, after))

    def add_os_image(self, image: OsImage) -> None:
        self.ops.append(("unique", ("os_image_name", image.name), image.id, errors.OsImageNameTakenError))
        self.ops.append(("image_new", image))

    def add_node(self, node: Node, slots: tuple[Slot, ...], sku: Sku) -> None:
        self.ops.append(("unique", ("hostname", node.hostname), node.id, errors.NodeHostnameTakenError))
        self.ops.append(("node_new", node, slots, sku.id))

    def correct_capacity(self, sku: Sku, total_slots: int, free_slots: int) -> None:
        self.ops.append(("capacity", sku, total_slots, free_slots))

    @staticmethod
    def _apply(s: InMemoryStore, op: Op) -> None:
        kind = op[0]
        if kind == "unique":
            if op[1] in s.unique:
                raise op[3]()
            s.unique[op[1]] = op[2]
        elif kind == "unique_release":
            s.unique.pop(op[1], None)
        elif kind == "sku_new":
            s.skus[op[1].id] = op[1]
        elif kind == "sku_update":
            before, after = op[1], op[2]
            current = s.skus.get(before.id)
            if current is None or current.version != before.version:
                raise errors.ConcurrentUpdateError()
            s.skus[after.id] = replace(after, total_slots=current.total_slots, free_slots=current.free_slots)
        elif kind == "image_new":
            s.images[op[1].id] = op[1]
        elif kind == "node_new":
            node, slots, sku_id = op[1], op[2], op[3]
            sku = s.skus[sku_id]
            if sku.status != SKU_ACTIVE:
                raise errors.SkuRetiredError()
            s.nodes[node.id] = replace(node, slots=())
            for slot in slots:
                s.slots[(slot.node_id, slot.index)] = slot
            s.skus[sku_id] = replace(
                sku, total_slots=sku.total_slots + len(slots), free_slots=sku.free_slots + len(slots)
            )
        elif kind == "capacity":
            sku, total, free = op[1], op[2], op[3]
            current = s.skus[sku.id]
            if (current.total_slots, current.free_slots) != (sku.total_slots, sku.free_slots):
                raise errors.ConcurrentUpdateError()
            s.skus[sku.id] = replace(current, total_slots=total, free_slots=free)
