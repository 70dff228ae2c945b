"""What the logs use cases need: a store of streams, and who owns an allocation or a node."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chalicelib.logs.models import LogLine, LogSlice, LogStream


class LogStore(Protocol):
    def append(self, stream: LogStream, lines: Sequence[LogLine]) -> None:
        """Add ``lines`` (oldest first) to ``stream``, creating the stream on its first lines."""
        ...

    def read(self, stream: LogStream, since_ms: int | None, position: str | None, limit: int) -> LogSlice:
        """Up to ``limit`` lines after ``position`` (from ``since_ms``, or the start, when None)."""
        ...


class OwnedAllocation(Protocol):
    @property
    def org_id(self) -> str: ...

    @property
    def node_id(self) -> str: ...


# What logs needs from provisioning (implemented by chalicelib.provisioning.service.ProvisioningService).


class AllocationDirectory(Protocol):
    def find(self, allocation_id: str) -> OwnedAllocation | None:
        """The allocation (whatever its state, whatever its org), or None when there is none."""
        ...


# What logs needs from inventory (implemented by chalicelib.inventory.service.InventoryService).


class NodeDirectory(Protocol):
    def get_node(self, node_id: str) -> object:
        """The node; raises NodeNotFoundError when there is none."""
        ...
