from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="LogLine")


@_attrs_define
class LogLine:
    time: str
    """ When the line was written (as the agent saw it). """
    message: str

    def to_dict(self) -> dict[str, Any]:
        time = self.time

        message = self.message

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "time": time,
                "message": message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        time = d.pop("time")

        message = d.pop("message")

        log_line = cls(
            time=time,
            message=message,
        )

        return log_line
