"""Capture what the Powertools Logger writes (its own lines and those of every ``chalicelib`` logger)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class CapturedLines:
    def __init__(self, buffer: io.StringIO) -> None:
        self._buffer = buffer

    def all(self) -> list[dict[str, Any]]:
        """Every line written so far, each parsed as one JSON object (a line that is not fails the test)."""
        return [json.loads(line) for line in self._buffer.getvalue().splitlines() if line.strip()]

    def with_message(self, message: str) -> dict[str, Any]:
        found = [line for line in self.all() if line.get("message") == message]
        assert found, f"no line {message!r} in {self.all()}"
        return found[-1]


@contextmanager
def captured_log_lines() -> Iterator[CapturedLines]:
    from chalicelib.core.observability import logger

    buffer = io.StringIO()
    handler = logger.registered_handler
    assert hasattr(handler, "setStream"), "the Powertools handler is a stream handler"
    previous = handler.setStream(buffer)
    try:
        yield CapturedLines(buffer)
    finally:
        handler.setStream(previous)
