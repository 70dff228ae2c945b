from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.command_result_body_output import CommandResultBodyOutput


T = TypeVar("T", bound="CommandResultBody")


@_attrs_define
class CommandResultBody:
    """The agent's result for one command (events/agent/result.v1.json)."""

    status: str
    reason: None | str
    """ Null when `succeeded`; why, when `failed` or `rejected`. """
    output: CommandResultBodyOutput
    """ A succeeded provision: `ssh_host`, `ssh_port`, `ssh_user` (and `workload_id`); a succeeded release: `wiped`.
    Empty otherwise. """
    finished_at: str

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        reason: None | str
        reason = self.reason

        output = self.output.to_dict()

        finished_at = self.finished_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "status": status,
                "reason": reason,
                "output": output,
                "finished_at": finished_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.command_result_body_output import CommandResultBodyOutput  # noqa: PLC0415

        d = dict(src_dict)
        status = d.pop("status")

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        output = CommandResultBodyOutput.from_dict(d.pop("output"))

        finished_at = d.pop("finished_at")

        command_result_body = cls(
            status=status,
            reason=reason,
            output=output,
            finished_at=finished_at,
        )

        return command_result_body
