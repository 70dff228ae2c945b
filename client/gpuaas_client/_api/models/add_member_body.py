from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="AddMemberBody")


@_attrs_define
class AddMemberBody:
    user_id: str
    role: str

    def to_dict(self) -> dict[str, Any]:
        user_id = self.user_id

        role = self.role

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "user_id": user_id,
                "role": role,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        user_id = d.pop("user_id")

        role = d.pop("role")

        add_member_body = cls(
            user_id=user_id,
            role=role,
        )

        return add_member_body
