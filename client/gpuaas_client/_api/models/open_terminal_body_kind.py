from typing import Literal

OpenTerminalBodyKind = Literal["shell", "ssh"]

OPEN_TERMINAL_BODY_KIND_VALUES: set[OpenTerminalBodyKind] = {
    "shell",
    "ssh",
}


def check_open_terminal_body_kind(value: str) -> OpenTerminalBodyKind:
    if value in OPEN_TERMINAL_BODY_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {OPEN_TERMINAL_BODY_KIND_VALUES!r}")
