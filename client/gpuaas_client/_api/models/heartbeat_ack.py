from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="HeartbeatAck")


@_attrs_define
class HeartbeatAck:
    next_heartbeat_seconds: int
    """ Seconds until the next heartbeat is due. """

    def to_dict(self) -> dict[str, Any]:
        next_heartbeat_seconds = self.next_heartbeat_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "next_heartbeat_seconds": next_heartbeat_seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        next_heartbeat_seconds = d.pop("next_heartbeat_seconds")

        heartbeat_ack = cls(
            next_heartbeat_seconds=next_heartbeat_seconds,
        )

        return heartbeat_ack
