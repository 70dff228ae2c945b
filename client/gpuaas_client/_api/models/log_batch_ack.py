from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="LogBatchAck")


@_attrs_define
class LogBatchAck:
    accepted: int
    """ Lines stored. """
    streams: int
    """ Streams written. """

    def to_dict(self) -> dict[str, Any]:
        accepted = self.accepted

        streams = self.streams

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "accepted": accepted,
                "streams": streams,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        accepted = d.pop("accepted")

        streams = d.pop("streams")

        log_batch_ack = cls(
            accepted=accepted,
            streams=streams,
        )

        return log_batch_ack
