"""What a terminal's client end received, read as a screen: bytes in, escape sequences out, waits on patterns."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

ANSI = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-B]|[=>78MDEc])")


def wait_for(condition: Callable[[], object], timeout: float = 15, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class Screen:
    """What the client end received, as one byte string (escape sequences removed on request)."""

    def __init__(self) -> None:
        self.data = b""
        self.frames: list[dict] = []
        self.lock = threading.Lock()

    def feed(self, data: bytes) -> None:
        with self.lock:
            self.data += data

    def frame(self, frame: dict) -> None:
        self.frames.append(frame)

    def text(self) -> str:
        with self.lock:
            return ANSI.sub(b"", self.data).replace(b"\r", b"").decode(errors="replace")

    def wait(self, pattern: str, timeout: float = 15) -> re.Match[str]:
        found: list[re.Match[str]] = []

        def seen() -> bool:
            match = re.search(pattern, self.text(), re.M)
            if match:
                found.append(match)
            return match is not None

        try:
            wait_for(seen, timeout, pattern)
        except AssertionError:
            raise AssertionError(f"{pattern!r} never came; the screen:\n{self.text()[-2000:]}") from None
        return found[0]
