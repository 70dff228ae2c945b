from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.usage_by_allocation import UsageByAllocation
    from ..models.usage_day import UsageDay
    from ..models.usage_row import UsageRow


T = TypeVar("T", bound="Usage")


@_attrs_define
class Usage:
    from_: str
    to: str
    rows: list[UsageRow]
    """ One row per allocation and day, by day. """
    by_day: list[UsageDay]
    by_allocation: list[UsageByAllocation]
    total_seconds: int
    total_micros: int

    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_

        to = self.to

        rows = []
        for rows_item_data in self.rows:
            rows_item = rows_item_data.to_dict()
            rows.append(rows_item)

        by_day = []
        for by_day_item_data in self.by_day:
            by_day_item = by_day_item_data.to_dict()
            by_day.append(by_day_item)

        by_allocation = []
        for by_allocation_item_data in self.by_allocation:
            by_allocation_item = by_allocation_item_data.to_dict()
            by_allocation.append(by_allocation_item)

        total_seconds = self.total_seconds

        total_micros = self.total_micros

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "from": from_,
                "to": to,
                "rows": rows,
                "by_day": by_day,
                "by_allocation": by_allocation,
                "total_seconds": total_seconds,
                "total_micros": total_micros,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_by_allocation import UsageByAllocation  # noqa: PLC0415
        from ..models.usage_day import UsageDay  # noqa: PLC0415
        from ..models.usage_row import UsageRow  # noqa: PLC0415

        d = dict(src_dict)
        from_ = d.pop("from")

        to = d.pop("to")

        rows = []
        _rows = d.pop("rows")
        for rows_item_data in _rows:
            rows_item = UsageRow.from_dict(rows_item_data)

            rows.append(rows_item)

        by_day = []
        _by_day = d.pop("by_day")
        for by_day_item_data in _by_day:
            by_day_item = UsageDay.from_dict(by_day_item_data)

            by_day.append(by_day_item)

        by_allocation = []
        _by_allocation = d.pop("by_allocation")
        for by_allocation_item_data in _by_allocation:
            by_allocation_item = UsageByAllocation.from_dict(by_allocation_item_data)

            by_allocation.append(by_allocation_item)

        total_seconds = d.pop("total_seconds")

        total_micros = d.pop("total_micros")

        usage = cls(
            from_=from_,
            to=to,
            rows=rows,
            by_day=by_day,
            by_allocation=by_allocation,
            total_seconds=total_seconds,
            total_micros=total_micros,
        )

        return usage
