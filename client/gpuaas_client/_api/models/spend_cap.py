from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="SpendCap")


@_attrs_define
class SpendCap:
    org_id: str
    daily_cap_micros: int | None
    """ New allocations are refused once the settled usage of the current UTC day reaches it; null for no cap. """
    updated_at: str
    """ When it was last set (RFC 3339); empty if it never was. """
    updated_by: str
    """ The user who last set it; empty if nobody ever did. """

    def to_dict(self) -> dict[str, Any]:
        org_id = self.org_id

        daily_cap_micros: int | None
        daily_cap_micros = self.daily_cap_micros

        updated_at = self.updated_at

        updated_by = self.updated_by

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "org_id": org_id,
                "daily_cap_micros": daily_cap_micros,
                "updated_at": updated_at,
                "updated_by": updated_by,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        org_id = d.pop("org_id")

        def _parse_daily_cap_micros(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        daily_cap_micros = _parse_daily_cap_micros(d.pop("daily_cap_micros"))

        updated_at = d.pop("updated_at")

        updated_by = d.pop("updated_by")

        spend_cap = cls(
            org_id=org_id,
            daily_cap_micros=daily_cap_micros,
            updated_at=updated_at,
            updated_by=updated_by,
        )

        return spend_cap
