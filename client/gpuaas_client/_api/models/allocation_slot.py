from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="AllocationSlot")


@_attrs_define
class AllocationSlot:
    index: int
    """ The slot's index on the node. """
    gpu_indexes: list[int]
    """ The node's GPUs in this slot. """

    def to_dict(self) -> dict[str, Any]:
        index = self.index

        gpu_indexes = self.gpu_indexes

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "index": index,
                "gpu_indexes": gpu_indexes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        index = d.pop("index")

        gpu_indexes = cast(list[int], d.pop("gpu_indexes"))

        allocation_slot = cls(
            index=index,
            gpu_indexes=gpu_indexes,
        )

        return allocation_slot
