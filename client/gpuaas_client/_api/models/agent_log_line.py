from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="AgentLogLine")


@_attrs_define
class AgentLogLine:
    stream: str
    """ agent, or an allocation id """
    time_ms: int
    """ milliseconds since the epoch """
    message: str

    def to_dict(self) -> dict[str, Any]:
        stream = self.stream

        time_ms = self.time_ms

        message = self.message

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "stream": stream,
                "time_ms": time_ms,
                "message": message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        stream = d.pop("stream")

        time_ms = d.pop("time_ms")

        message = d.pop("message")

        agent_log_line = cls(
            stream=stream,
            time_ms=time_ms,
            message=message,
        )

        return agent_log_line
