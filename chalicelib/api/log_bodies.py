"""Response bodies of the log routes (doc/openapi.yaml: LogPage, LogLine, LogBatchAck)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.core.clock import isoformat
from chalicelib.logs.models import IngestReceipt, LogLine, LogPage


def log_line_body(line: LogLine) -> dict[str, Any]:
    return {"time": isoformat(datetime.fromtimestamp(line.time_ms / 1000, UTC)), "message": line.message}


def log_page_body(page: LogPage) -> dict[str, Any]:
    return {"items": [log_line_body(line) for line in page.lines], "next_cursor": page.next_cursor}


def log_batch_ack_body(receipt: IngestReceipt) -> dict[str, Any]:
    return {"accepted": receipt.accepted, "streams": receipt.streams}
