from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="UsageRow")


@_attrs_define
class UsageRow:
    day: str
    allocation_id: str
    sku_id: None | str
    seconds: int
    """ Seconds billed (net of corrections). """
    micros: int
    """ What they cost, in micro-units of the org's currency. """

    def to_dict(self) -> dict[str, Any]:
        day = self.day

        allocation_id = self.allocation_id

        sku_id: None | str
        sku_id = self.sku_id

        seconds = self.seconds

        micros = self.micros

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "day": day,
                "allocation_id": allocation_id,
                "sku_id": sku_id,
                "seconds": seconds,
                "micros": micros,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        day = d.pop("day")

        allocation_id = d.pop("allocation_id")

        def _parse_sku_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sku_id = _parse_sku_id(d.pop("sku_id"))

        seconds = d.pop("seconds")

        micros = d.pop("micros")

        usage_row = cls(
            day=day,
            allocation_id=allocation_id,
            sku_id=sku_id,
            seconds=seconds,
            micros=micros,
        )

        return usage_row
