from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.slot_state import SlotState, check_slot_state

T = TypeVar("T", bound="Slot")


@_attrs_define
class Slot:
    index: int
    gpu_indexes: list[int]
    state: SlotState
    """ `wipe_pending`: its allocation was released but the agent has not confirmed the wipe yet; it stays out of
    the pool (with its `allocation_id`) until it does. """
    allocation_id: None | str

    def to_dict(self) -> dict[str, Any]:
        index = self.index

        gpu_indexes = self.gpu_indexes

        state: str = self.state

        allocation_id: None | str
        allocation_id = self.allocation_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "index": index,
                "gpu_indexes": gpu_indexes,
                "state": state,
                "allocation_id": allocation_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        index = d.pop("index")

        gpu_indexes = cast(list[int], d.pop("gpu_indexes"))

        state = check_slot_state(d.pop("state"))

        def _parse_allocation_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        allocation_id = _parse_allocation_id(d.pop("allocation_id"))

        slot = cls(
            index=index,
            gpu_indexes=gpu_indexes,
            state=state,
            allocation_id=allocation_id,
        )

        return slot
