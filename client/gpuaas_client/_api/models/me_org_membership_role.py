from typing import Literal

MeOrgMembershipRole = Literal["admin", "billing", "member", "owner", "viewer"]

ME_ORG_MEMBERSHIP_ROLE_VALUES: set[MeOrgMembershipRole] = {
    "admin",
    "billing",
    "member",
    "owner",
    "viewer",
}


def check_me_org_membership_role(value: str) -> MeOrgMembershipRole:
    if value in ME_ORG_MEMBERSHIP_ROLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ME_ORG_MEMBERSHIP_ROLE_VALUES!r}")
