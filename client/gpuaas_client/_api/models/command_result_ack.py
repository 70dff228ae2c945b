from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="CommandResultAck")


@_attrs_define
class CommandResultAck:
    command_id: str
    accepted: Literal[True]
    late: bool
    """ True when no workflow waited for this result any more (it had timed out, or the command was a wipe sent
    after a failure). It is kept, and acted on where it still matters (a workload built after its allocation was
    given up is wiped again; a wipe confirmed after the release finished returns the slots to the pool). """

    def to_dict(self) -> dict[str, Any]:
        command_id = self.command_id

        accepted = self.accepted

        late = self.late

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "command_id": command_id,
                "accepted": accepted,
                "late": late,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        command_id = d.pop("command_id")

        accepted = cast(Literal[True], d.pop("accepted"))
        if accepted != True:
            raise ValueError(f"accepted must match const True, got '{accepted}'")

        late = d.pop("late")

        command_result_ack = cls(
            command_id=command_id,
            accepted=accepted,
            late=late,
        )

        return command_result_ack
