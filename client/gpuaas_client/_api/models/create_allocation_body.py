from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateAllocationBody")


@_attrs_define
class CreateAllocationBody:
    sku_id: str
    os_image_id: str
    count: int | Unset = 1
    """ slots of the SKU, all on one node """
    ssh_key_ids: list[str] | None | Unset = UNSET
    """ which of your SSH keys to install; all of them when left out """
    name: None | str | Unset = UNSET
    startup_script: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        sku_id = self.sku_id

        os_image_id = self.os_image_id

        count = self.count

        ssh_key_ids: list[str] | None | Unset
        if isinstance(self.ssh_key_ids, Unset):
            ssh_key_ids = UNSET
        elif isinstance(self.ssh_key_ids, list):
            ssh_key_ids = self.ssh_key_ids

        else:
            ssh_key_ids = self.ssh_key_ids

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        startup_script: None | str | Unset
        if isinstance(self.startup_script, Unset):
            startup_script = UNSET
        else:
            startup_script = self.startup_script

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "sku_id": sku_id,
                "os_image_id": os_image_id,
            }
        )
        if count is not UNSET:
            field_dict["count"] = count
        if ssh_key_ids is not UNSET:
            field_dict["ssh_key_ids"] = ssh_key_ids
        if name is not UNSET:
            field_dict["name"] = name
        if startup_script is not UNSET:
            field_dict["startup_script"] = startup_script

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sku_id = d.pop("sku_id")

        os_image_id = d.pop("os_image_id")

        count = d.pop("count", UNSET)

        def _parse_ssh_key_ids(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                ssh_key_ids_type_0 = cast(list[str], data)

                return ssh_key_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        ssh_key_ids = _parse_ssh_key_ids(d.pop("ssh_key_ids", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_startup_script(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        startup_script = _parse_startup_script(d.pop("startup_script", UNSET))

        create_allocation_body = cls(
            sku_id=sku_id,
            os_image_id=os_image_id,
            count=count,
            ssh_key_ids=ssh_key_ids,
            name=name,
            startup_script=startup_script,
        )

        return create_allocation_body
