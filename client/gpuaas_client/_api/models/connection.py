from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="Connection")


@_attrs_define
class Connection:
    host: str
    port: int
    user: str
    command: str
    """ The ssh command line, `ssh -p <port> <user>@<host>`; your installed SSH keys open it. """

    def to_dict(self) -> dict[str, Any]:
        host = self.host

        port = self.port

        user = self.user

        command = self.command

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "host": host,
                "port": port,
                "user": user,
                "command": command,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        host = d.pop("host")

        port = d.pop("port")

        user = d.pop("user")

        command = d.pop("command")

        connection = cls(
            host=host,
            port=port,
            user=user,
            command=command,
        )

        return connection
