from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.agent_log_line import AgentLogLine


T = TypeVar("T", bound="AgentLogsBody")


@_attrs_define
class AgentLogsBody:
    """A batch of an agent's lines (events/agent/logs.request.v1.json)."""

    lines: list[AgentLogLine]

    def to_dict(self) -> dict[str, Any]:
        lines = []
        for lines_item_data in self.lines:
            lines_item = lines_item_data.to_dict()
            lines.append(lines_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "lines": lines,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.agent_log_line import AgentLogLine  # noqa: PLC0415

        d = dict(src_dict)
        lines = []
        _lines = d.pop("lines")
        for lines_item_data in _lines:
            lines_item = AgentLogLine.from_dict(lines_item_data)

            lines.append(lines_item)

        agent_logs_body = cls(
            lines=lines,
        )

        return agent_logs_body
