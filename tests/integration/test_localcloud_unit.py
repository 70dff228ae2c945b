"""Pure parts of the local cloud: schedule expressions, template resolution, the run command."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from localcloud.scheduler import CronSchedule, RateSchedule, ScheduleError, parse_schedule

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
UTC = dt.UTC


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(2 hours)", 7200), ("rate(1 day)", 86400)],
)
def test_rate_expressions(expression, seconds):
    schedule = parse_schedule(expression)
    assert schedule == RateSchedule(seconds)
    start = dt.datetime(2030, 1, 1, tzinfo=UTC)
    assert schedule.next_after(start) == start + dt.timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(0 12 * * ? *)", "2030-01-01T12:00", "2030-01-02T12:00"),
        ("cron(15 10 ? * MON-FRI *)", "2030-01-04T11:00", "2030-01-07T10:15"),  # Fri -> Mon
        ("cron(0/15 * * * ? *)", "2030-01-01T10:07", "2030-01-01T10:15"),
        ("cron(0 8 1 JAN,JUL ? *)", "2030-02-01T00:00", "2030-07-01T08:00"),
        ("cron(30 2 ? * 1 *)", "2030-01-01T00:00", "2030-01-06T02:30"),  # 1 = Sunday
        ("cron(0 0 29 2 ? 2032)", "2030-01-01T00:00", "2032-02-29T00:00"),
        ("cron(5,10 3-4 * * ? *)", "2030-01-01T03:10", "2030-01-01T04:05"),
    ],
)
def test_cron_expressions(expression, after, expected):
    schedule = parse_schedule(expression)
    assert isinstance(schedule, CronSchedule)
    moment = dt.datetime.fromisoformat(after).replace(tzinfo=UTC)
    assert schedule.next_after(moment) == dt.datetime.fromisoformat(expected).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "expression",
    [
        "rate(0 minutes)",
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(5 weeks)",
        "cron(0 12 * * *)",
        "cron(0 12 * * * *)",  # both day fields set
        "cron(0 12 L * ? *)",
        "cron(0 12 ? * 6#3 *)",
        "cron(0 12 15W * ? *)",
        "cron(61 * * * ? *)",
        "every day",
    ],
)
def test_invalid_or_unsupported_expressions_are_rejected(expression):
    with pytest.raises(ScheduleError):
        parse_schedule(expression)


def test_template_model_resolves_names_and_triggers():
    from localcloud.template import build_model

    model = build_model(stage="local")
    assert model.tables["GpuaasTable"]["TableName"] == "gpuaas-local-table"
    assert model.global_environment["GPUAAS_TABLE_NAME"] == "gpuaas-local-table"
    assert model.global_environment["GPUAAS_EVENT_BUS_NAME"] == "gpuaas-local-events"
    (stream,) = model.stream_mappings
    assert (stream.function_id, stream.table_id, stream.batch_size) == ("OutboxRelayFunction", "GpuaasTable", 100)
    assert stream.report_batch_item_failures and stream.bisect_on_error
    assert stream.maximum_retry_attempts == 10 and stream.on_failure_queue_id == "OutboxRelayDLQ"
    assert json.loads(stream.filter_patterns[0])["eventName"] == ["INSERT"]
    queues = {(q.queue_id, q.batch_size, q.report_batch_item_failures) for q in model.queue_mappings}
    assert queues == {
        ("EventsArchiveQueue", 10, True),
        ("SettlementQueue", 10, True),
        ("TerminalCloseQueue", 10, True),
        ("WebhookFanoutQueue", 10, True),
        ("WebhookDeliveryQueue", 5, True),
        ("EventFeedQueue", 10, True),
        ("NotificationsQueue", 10, True),
    }
    schedules = {schedule.function_id: schedule.expression for schedule in model.schedules}
    assert schedules == {
        "CatalogReconcileFunction": "rate(5 minutes)",
        "NodeHealthFunction": "rate(1 minute)",
        "BillingSweepFunction": "rate(1 minute)",
        "BillingReconcileFunction": "rate(1 hour)",
        "WebhookRetryFunction": "rate(1 minute)",
    }
    assert build_model(stage="prod").tables["GpuaasTable"]["TableName"] == "gpuaas-prod-table"


def test_run_command_serves_the_api_and_exits_cleanly_on_sigterm():
    env = dict(os.environ)
    env.pop("MOTO_PORT", None)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "localcloud", "run", "--port", "0", "--no-demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = ws_url = None
        lines = []
        for line in process.stdout:
            lines.append(line)
            match = re.search(r"API:\s+(http://\S+)", line)
            if match:
                url = match.group(1)
            match = re.search(r"terminal:\s+(ws://\S+)", line)
            if match:
                ws_url = match.group(1)
            if "Ctrl-C to stop" in line:
                break
        assert url, "".join(lines)
        assert time.monotonic() - started < 15
        health = requests.get(f"{url}/v1/health", timeout=5)
        if health.status_code == 404:  # app.py without /v1/health yet: the gateway still answers
            assert health.json()["error"]["code"] == "ROUTE_NOT_FOUND"
        else:
            assert health.status_code == 200
        # The terminal gateway's WebSocket API runs too: without a ticket its $connect refuses the upgrade.
        from websockets.exceptions import InvalidStatus
        from websockets.sync.client import connect

        assert ws_url, "".join(lines)
        with pytest.raises(InvalidStatus) as refused:
            connect(ws_url, open_timeout=10)
        assert refused.value.response.status_code == 403
        process.send_signal(signal.SIGTERM)
        # A bound for "it stops", not a speed claim: a loaded 2-core CI machine can be slow.
        assert process.wait(timeout=60) == 0
        assert "local cloud stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
