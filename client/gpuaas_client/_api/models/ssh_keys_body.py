from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="SshKeysBody")


@_attrs_define
class SshKeysBody:
    ssh_key_ids: list[str]
    """ your SSH keys that open the allocation from now on (they replace its keys) """

    def to_dict(self) -> dict[str, Any]:
        ssh_key_ids = self.ssh_key_ids

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "ssh_key_ids": ssh_key_ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        ssh_key_ids = cast(list[str], d.pop("ssh_key_ids"))

        ssh_keys_body = cls(
            ssh_key_ids=ssh_key_ids,
        )

        return ssh_keys_body
