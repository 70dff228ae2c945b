from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="UsageDay")


@_attrs_define
class UsageDay:
    day: str
    seconds: int
    micros: int

    def to_dict(self) -> dict[str, Any]:
        day = self.day

        seconds = self.seconds

        micros = self.micros

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "day": day,
                "seconds": seconds,
                "micros": micros,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        day = d.pop("day")

        seconds = d.pop("seconds")

        micros = d.pop("micros")

        usage_day = cls(
            day=day,
            seconds=seconds,
            micros=micros,
        )

        return usage_day
