from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="NewBootstrapToken")


@_attrs_define
class NewBootstrapToken:
    """A bootstrap token, plus its secret."""

    id: str
    sku_id: str
    """ The SKU the host joins as. """
    created_by: str
    created_at: str
    expires_at: str
    used_at: None | str
    """ When a host registered with it; `null` until then. """
    node_id: None | str
    """ The node that registered with it; `null` until then. """
    token: str
    """ The bootstrap token to give the host's agent. Shown once: only its hash is stored. """

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        sku_id = self.sku_id

        created_by = self.created_by

        created_at = self.created_at

        expires_at = self.expires_at

        used_at: None | str
        used_at = self.used_at

        node_id: None | str
        node_id = self.node_id

        token = self.token

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "sku_id": sku_id,
                "created_by": created_by,
                "created_at": created_at,
                "expires_at": expires_at,
                "used_at": used_at,
                "node_id": node_id,
                "token": token,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        sku_id = d.pop("sku_id")

        created_by = d.pop("created_by")

        created_at = d.pop("created_at")

        expires_at = d.pop("expires_at")

        def _parse_used_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        used_at = _parse_used_at(d.pop("used_at"))

        def _parse_node_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        node_id = _parse_node_id(d.pop("node_id"))

        token = d.pop("token")

        new_bootstrap_token = cls(
            id=id,
            sku_id=sku_id,
            created_by=created_by,
            created_at=created_at,
            expires_at=expires_at,
            used_at=used_at,
            node_id=node_id,
            token=token,
        )

        return new_bootstrap_token
