from typing import Literal

TerminalTicketKind = Literal["shell", "ssh"]

TERMINAL_TICKET_KIND_VALUES: set[TerminalTicketKind] = {
    "shell",
    "ssh",
}


def check_terminal_ticket_kind(value: str) -> TerminalTicketKind:
    if value in TERMINAL_TICKET_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TERMINAL_TICKET_KIND_VALUES!r}")
