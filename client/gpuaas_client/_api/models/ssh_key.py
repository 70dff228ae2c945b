from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.ssh_key_type import SshKeyType, check_ssh_key_type

T = TypeVar("T", bound="SshKey")


@_attrs_define
class SshKey:
    id: str
    name: str
    type_: SshKeyType
    public_key: str
    """ Normalised: `<type> <base64>`, without the comment. """
    comment: str
    """ The key line's comment, `""` when it had none. """
    fingerprint: str
    """ As `ssh-keygen -l` prints it. Unique among one user's keys. """
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        type_: str = self.type_

        public_key = self.public_key

        comment = self.comment

        fingerprint = self.fingerprint

        created_at = self.created_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "name": name,
                "type": type_,
                "public_key": public_key,
                "comment": comment,
                "fingerprint": fingerprint,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        type_ = check_ssh_key_type(d.pop("type"))

        public_key = d.pop("public_key")

        comment = d.pop("comment")

        fingerprint = d.pop("fingerprint")

        created_at = d.pop("created_at")

        ssh_key = cls(
            id=id,
            name=name,
            type_=type_,
            public_key=public_key,
            comment=comment,
            fingerprint=fingerprint,
            created_at=created_at,
        )

        return ssh_key
