from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="NotificationStreamTicket")


@_attrs_define
class NotificationStreamTicket:
    ticket: str
    """ `nst_…`, used once. """
    url: str
    """ The WebSocket API (wss://…). """
    expires_at: str

    def to_dict(self) -> dict[str, Any]:
        ticket = self.ticket

        url = self.url

        expires_at = self.expires_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "ticket": ticket,
                "url": url,
                "expires_at": expires_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        ticket = d.pop("ticket")

        url = d.pop("url")

        expires_at = d.pop("expires_at")

        notification_stream_ticket = cls(
            ticket=ticket,
            url=url,
            expires_at=expires_at,
        )

        return notification_stream_ticket
