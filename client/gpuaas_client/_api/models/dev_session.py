from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="DevSession")


@_attrs_define
class DevSession:
    """A session, plus the dev issuer's ID token for the same user."""

    access_token: str
    """ An ES256 JWT signed by GPUaaS: the bearer token. """
    refresh_token: str
    """ Single use: each refresh spends it and returns a new one. """
    token_type: Literal["Bearer"]
    expires_in: int
    """ Seconds the access token lives (900 by default). """
    user_id: str
    org_id: str
    id_token: str
    """ An RS256 OIDC ID token of the dev issuer, for `POST /v1/auth/token`. """

    def to_dict(self) -> dict[str, Any]:
        access_token = self.access_token

        refresh_token = self.refresh_token

        token_type = self.token_type

        expires_in = self.expires_in

        user_id = self.user_id

        org_id = self.org_id

        id_token = self.id_token

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "access_token": access_token,
                "refresh_token": refresh_token,
                "token_type": token_type,
                "expires_in": expires_in,
                "user_id": user_id,
                "org_id": org_id,
                "id_token": id_token,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        access_token = d.pop("access_token")

        refresh_token = d.pop("refresh_token")

        token_type = cast(Literal["Bearer"], d.pop("token_type"))
        if token_type != "Bearer":
            raise ValueError(f"token_type must match const 'Bearer', got '{token_type}'")

        expires_in = d.pop("expires_in")

        user_id = d.pop("user_id")

        org_id = d.pop("org_id")

        id_token = d.pop("id_token")

        dev_session = cls(
            access_token=access_token,
            refresh_token=refresh_token,
            token_type=token_type,
            expires_in=expires_in,
            user_id=user_id,
            org_id=org_id,
            id_token=id_token,
        )

        return dev_session
