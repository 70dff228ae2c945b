from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="DevTokenBody")


@_attrs_define
class DevTokenBody:
    user: str
    org: str
    role: str

    def to_dict(self) -> dict[str, Any]:
        user = self.user

        org = self.org

        role = self.role

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "user": user,
                "org": org,
                "role": role,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        user = d.pop("user")

        org = d.pop("org")

        role = d.pop("role")

        dev_token_body = cls(
            user=user,
            org=org,
            role=role,
        )

        return dev_token_body
