from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.terminal_ticket_kind import TerminalTicketKind, check_terminal_ticket_kind

T = TypeVar("T", bound="TerminalTicket")


@_attrs_define
class TerminalTicket:
    session_id: str
    """ The session; send it back as `session_id` to resume it with a new ticket. """
    ticket: str
    """ Connect once to `url?ticket=<ticket>` before `expires_at`; shown only here. """
    url: str
    """ The terminal gateway's WebSocket URL (`wss://…/<stage>`; `ws://127.0.0.1:<port>/local` locally). """
    expires_at: str
    kind: TerminalTicketKind

    def to_dict(self) -> dict[str, Any]:
        session_id = self.session_id

        ticket = self.ticket

        url = self.url

        expires_at = self.expires_at

        kind: str = self.kind

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "session_id": session_id,
                "ticket": ticket,
                "url": url,
                "expires_at": expires_at,
                "kind": kind,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        session_id = d.pop("session_id")

        ticket = d.pop("ticket")

        url = d.pop("url")

        expires_at = d.pop("expires_at")

        kind = check_terminal_ticket_kind(d.pop("kind"))

        terminal_ticket = cls(
            session_id=session_id,
            ticket=ticket,
            url=url,
            expires_at=expires_at,
            kind=kind,
        )

        return terminal_ticket
