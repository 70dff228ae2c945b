"""What the inventory use cases need from storage. DynamoDB implements it in chalicelib.storage;
the unit tests implement it in memory with the same failure semantics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from chalicelib.audit.models import AuditRecord
from chalicelib.core.events import DomainEvent
from chalicelib.inventory.models import CatalogFilter, Node, OsImage, Page, Sku, Slot


class InventoryReader(Protocol):
    def get_sku(self, sku_id: str) -> Sku | None: ...

    def list_catalog(self, query: CatalogFilter, limit: int, cursor: str | None) -> Page: ...

    def list_skus(self, limit: int, cursor: str | None) -> Page: ...

    def get_os_image(self, image_id: str) -> OsImage | None: ...

    def list_os_images(self, *, available_only: bool, limit: int, cursor: str | None) -> Page: ...

    def get_node(self, node_id: str) -> Node | None: ...

    def list_nodes(self, limit: int, cursor: str | None) -> Page: ...

    def count_capacity(self, sku_id: str) -> tuple[int, int]:
        """(total, free) slots of the SKU, counted from the slots themselves."""
        ...


class InventoryUnitOfWork(Protocol):
    """Collects the writes of one use case and commits them, with their events, atomically.

    Each write carries its condition; ``commit`` raises the domain error of the first write whose
    condition failed (name taken, SKU retired, version changed) and then nothing was written.
    """

    def add_sku(self, sku: Sku) -> None: ...

    def update_sku(self, before: Sku, after: Sku) -> None: ...

    def add_os_image(self, image: OsImage) -> None: ...

    def add_node(self, node: Node, slots: tuple[Slot, ...], sku: Sku) -> None: ...

    def set_node_state(self, before: Node, after: Node) -> None:
        """Change the node's status and health if it is still at ``before.version``; when that makes
        it (un)placeable, move its free slots out of (or back into) placement and the SKU's free count.
        ``before`` carries the node's slots."""
        ...

    def correct_capacity(self, sku: Sku, total_slots: int, free_slots: int) -> None:
        """Set the SKU's counters, only if they still hold the values in ``sku``."""
        ...

    def emit(self, event: DomainEvent) -> None: ...

    def audit(self, entry: AuditRecord) -> None: ...

    def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], InventoryUnitOfWork]
