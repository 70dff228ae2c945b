from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="SpendCapBody")


@_attrs_define
class SpendCapBody:
    daily_cap_micros: int | None
    """ micro-units of the org's currency per UTC day; null removes the cap """

    def to_dict(self) -> dict[str, Any]:
        daily_cap_micros: int | None
        daily_cap_micros = self.daily_cap_micros

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "daily_cap_micros": daily_cap_micros,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_daily_cap_micros(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        daily_cap_micros = _parse_daily_cap_micros(d.pop("daily_cap_micros"))

        spend_cap_body = cls(
            daily_cap_micros=daily_cap_micros,
        )

        return spend_cap_body
