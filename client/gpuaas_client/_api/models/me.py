from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.me_auth import MeAuth, check_me_auth
from ..models.me_role import MeRole, check_me_role
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.me_org import MeOrg
    from ..models.me_org_membership import MeOrgMembership
    from ..models.me_user import MeUser


T = TypeVar("T", bound="Me")


@_attrs_define
class Me:
    user: MeUser
    org: MeOrg
    """ The org this request acts in. """
    role: MeRole
    operator: bool
    """ The platform operator flag (always false with an API key). """
    orgs: list[MeOrgMembership]
    """ Every org the user is a member of; sign in with `org_id` to act in another. """
    auth: MeAuth
    api_key_id: str | Unset = UNSET
    """ Only with an API key. """

    def to_dict(self) -> dict[str, Any]:
        user = self.user.to_dict()

        org = self.org.to_dict()

        role: str = self.role

        operator = self.operator

        orgs = []
        for orgs_item_data in self.orgs:
            orgs_item = orgs_item_data.to_dict()
            orgs.append(orgs_item)

        auth: str = self.auth

        api_key_id = self.api_key_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "user": user,
                "org": org,
                "role": role,
                "operator": operator,
                "orgs": orgs,
                "auth": auth,
            }
        )
        if api_key_id is not UNSET:
            field_dict["api_key_id"] = api_key_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.me_org import MeOrg  # noqa: PLC0415
        from ..models.me_org_membership import MeOrgMembership  # noqa: PLC0415
        from ..models.me_user import MeUser  # noqa: PLC0415

        d = dict(src_dict)
        user = MeUser.from_dict(d.pop("user"))

        org = MeOrg.from_dict(d.pop("org"))

        role = check_me_role(d.pop("role"))

        operator = d.pop("operator")

        orgs = []
        _orgs = d.pop("orgs")
        for orgs_item_data in _orgs:
            orgs_item = MeOrgMembership.from_dict(orgs_item_data)

            orgs.append(orgs_item)

        auth = check_me_auth(d.pop("auth"))

        api_key_id = d.pop("api_key_id", UNSET)

        me = cls(
            user=user,
            org=org,
            role=role,
            operator=operator,
            orgs=orgs,
            auth=auth,
            api_key_id=api_key_id,
        )

        return me
