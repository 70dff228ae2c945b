from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.me_org_membership_role import MeOrgMembershipRole, check_me_org_membership_role

T = TypeVar("T", bound="MeOrgMembership")


@_attrs_define
class MeOrgMembership:
    id: str
    name: str
    role: MeOrgMembershipRole

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        role: str = self.role

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "name": name,
                "role": role,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        role = check_me_org_membership_role(d.pop("role"))

        me_org_membership = cls(
            id=id,
            name=name,
            role=role,
        )

        return me_org_membership
