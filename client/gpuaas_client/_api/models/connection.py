from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="Connection")


@_attrs_define
class Connection:
    host: str
    port: int
    user: str
    command: str
    """ The ssh command line, `ssh -p <port> <user>@<host>`; your installed SSH keys open it. Check the host key
    with `known_hosts` (`gpuaas ssh` does). """
    known_hosts: None | str
    """ The allocation's host key as a known_hosts line, `[host]:port ssh-ed25519 AAAA...` (the bare host for port
    22), as the node's agent reported it; null only if the agent reported none. """
    host_key_fingerprint: None | str
    """ The host key's SHA256 fingerprint, as ssh prints it. """

    def to_dict(self) -> dict[str, Any]:
        host = self.host

        port = self.port

        user = self.user

        command = self.command

        known_hosts: None | str
        known_hosts = self.known_hosts

        host_key_fingerprint: None | str
        host_key_fingerprint = self.host_key_fingerprint

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "host": host,
                "port": port,
                "user": user,
                "command": command,
                "known_hosts": known_hosts,
                "host_key_fingerprint": host_key_fingerprint,
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

        def _parse_known_hosts(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        known_hosts = _parse_known_hosts(d.pop("known_hosts"))

        def _parse_host_key_fingerprint(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        host_key_fingerprint = _parse_host_key_fingerprint(d.pop("host_key_fingerprint"))

        connection = cls(
            host=host,
            port=port,
            user=user,
            command=command,
            known_hosts=known_hosts,
            host_key_fingerprint=host_key_fingerprint,
        )

        return connection
