from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.api_key_role import ApiKeyRole, check_api_key_role

T = TypeVar("T", bound="ApiKey")


@_attrs_define
class ApiKey:
    id: str
    prefix: str
    """ The key's public part: the secret starts with it. """
    name: str
    scopes: list[str]
    role: ApiKeyRole
    """ Its creator's role when it was created; the key never holds more. """
    created_by: str
    created_at: str
    expires_at: None | str
    revoked_at: None | str
    last_used_at: None | str
    """ Updated at most once a minute. """

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        prefix = self.prefix

        name = self.name

        scopes = self.scopes

        role: str = self.role

        created_by = self.created_by

        created_at = self.created_at

        expires_at: None | str
        expires_at = self.expires_at

        revoked_at: None | str
        revoked_at = self.revoked_at

        last_used_at: None | str
        last_used_at = self.last_used_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "prefix": prefix,
                "name": name,
                "scopes": scopes,
                "role": role,
                "created_by": created_by,
                "created_at": created_at,
                "expires_at": expires_at,
                "revoked_at": revoked_at,
                "last_used_at": last_used_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        prefix = d.pop("prefix")

        name = d.pop("name")

        scopes = cast(list[str], d.pop("scopes"))

        role = check_api_key_role(d.pop("role"))

        created_by = d.pop("created_by")

        created_at = d.pop("created_at")

        def _parse_expires_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        expires_at = _parse_expires_at(d.pop("expires_at"))

        def _parse_revoked_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        revoked_at = _parse_revoked_at(d.pop("revoked_at"))

        def _parse_last_used_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_used_at = _parse_last_used_at(d.pop("last_used_at"))

        api_key = cls(
            id=id,
            prefix=prefix,
            name=name,
            scopes=scopes,
            role=role,
            created_by=created_by,
            created_at=created_at,
            expires_at=expires_at,
            revoked_at=revoked_at,
            last_used_at=last_used_at,
        )

        return api_key
