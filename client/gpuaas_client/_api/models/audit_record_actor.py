from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.audit_record_actor_via import AuditRecordActorVia, check_audit_record_actor_via

T = TypeVar("T", bound="AuditRecordActor")


@_attrs_define
class AuditRecordActor:
    user_id: str
    role: str
    operator: bool
    via: AuditRecordActorVia
    """ How the actor signed in; `node` is a host's agent (it ends a terminal session it serves). """
    api_key_id: None | str

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        role = self.role

        operator = self.operator

        via: str = self.via

        api_key_id: None | str
        api_key_id = self.api_key_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "user_id": user_id,
                "role": role,
                "operator": operator,
                "via": via,
                "api_key_id": api_key_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        user_id = d.pop("user_id")

        role = d.pop("role")

        operator = d.pop("operator")

        via = check_audit_record_actor_via(d.pop("via"))

        def _parse_api_key_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        api_key_id = _parse_api_key_id(d.pop("api_key_id"))

        audit_record_actor = cls(
            user_id=user_id,
            role=role,
            operator=operator,
            via=via,
            api_key_id=api_key_id,
        )

        return audit_record_actor
