"""Every log line is Powertools JSON with the correlation keys of its request or invocation; tracing
is off (and the X-Ray SDK never loaded) unless switched on, and then it traces."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import SQSEvent

from chalicelib import bootstrap
from chalicelib.auth.principal import Principal
from chalicelib.core import errors, observability
from chalicelib.core.settings import get_settings
from chalicelib.provisioning.models import CommandRef
from tests.contract.test_function_events import FakeLambdaContext
from tests.support.contracts import load_function_event
from tests.support.logs import captured_log_lines

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
ORG = "org_01m8697e3xwr9jvzy4vye9hy23"
ALLOCATION = "alc_01m8e794f820x8yaaqvvj6ec43"
# A service module's own logger, as services create theirs.
SERVICE_LOG = logging.getLogger("chalicelib.provisioning.service")


class _Sessions:
    def verify(self, token: str) -> Principal:
        return Principal(user_id="usr_1", org_id=ORG, role="owner")


class _Allocations:
    def get(self, org_id: str, allocation_id: str) -> Any:
        SERVICE_LOG.info("allocation looked up", extra={"where": "service"})
        raise errors.AllocationNotFoundError()

    def begin_provision(self, allocation_id: str) -> CommandRef:
        SERVICE_LOG.info("provisioning begins")
        return CommandRef(command_id="cmd_1")

    def complete_provision(self, allocation_id: str, command_id: str) -> None:
        raise RuntimeError("the node vanished")


@pytest.fixture
def api(monkeypatch):
    from chalice.test import Client

    import app

    # No rate limit spends a DynamoDB write here: the pipeline is what is under test.
    monkeypatch.setenv("GPUAAS_RATE_LIMITS", json.dumps(dict.fromkeys(("read", "write", "auth", "public"), 0)))
    get_settings.cache_clear()
    monkeypatch.setattr(bootstrap, "session_tokens", lambda: _Sessions())
    monkeypatch.setattr(bootstrap, "provisioning_service", lambda: _Allocations())
    with Client(app.app, stage_name="local") as client:
        yield client
    get_settings.cache_clear()


def test_a_service_line_logged_through_the_api_pipeline_is_json_with_the_request_keys(api):
    with captured_log_lines() as logs:
        response = api.http.get(f"/v1/allocations/{ALLOCATION}", headers={"Authorization": "Bearer t"})
    assert response.status_code == 404
    request_id = response.headers["X-Request-Id"]
    service_line = logs.with_message("allocation looked up")
    refused = logs.with_message("request refused")
    for line in (service_line, refused):
        assert line["request_id"] == request_id
        assert line["correlation_id"] == request_id
        assert line["org_id"] == ORG
        assert line["allocation_id"] == ALLOCATION
        assert line["route"] == "GET /v1/allocations/{allocation_id}"
        assert {"level", "timestamp", "service", "location"} <= set(line)
    assert service_line["name"] == "chalicelib.provisioning.service"
    assert service_line["where"] == "service"
    assert refused["code"] == "ALLOCATION_NOT_FOUND"


def test_request_keys_end_with_the_request(api):
    with captured_log_lines() as logs:
        api.http.get(f"/v1/allocations/{ALLOCATION}", headers={"Authorization": "Bearer t"})
        SERVICE_LOG.warning("after the request")
    after = logs.with_message("after the request")
    assert not {"request_id", "org_id", "allocation_id", "correlation_id"} & set(after)


def test_a_worker_line_carries_the_allocation_and_the_invocation(monkeypatch):
    from functions import allocation_workflow

    monkeypatch.setattr(bootstrap, "provisioning_service", lambda: _Allocations())
    context = FakeLambdaContext()
    with captured_log_lines() as logs:
        allocation_workflow.handler({"step": "begin_provision", "allocation_id": ALLOCATION}, context)
        SERVICE_LOG.warning("between invocations")
    line = logs.with_message("provisioning begins")
    assert line["allocation_id"] == ALLOCATION
    assert line["correlation_id"] == ALLOCATION
    assert line["step"] == "begin_provision"
    assert line["function_name"] == context.function_name
    assert line["function_request_id"] == context.aws_request_id
    assert "allocation_id" not in logs.with_message("between invocations")


@pytest.mark.filterwarnings("ignore:No application metrics")
def test_a_failed_invocation_is_one_structured_line_before_lambda_sees_it(monkeypatch):
    from functions import allocation_workflow

    monkeypatch.setattr(bootstrap, "provisioning_service", lambda: _Allocations())
    event = {"step": "complete_provision", "allocation_id": ALLOCATION, "command_id": "cmd_1"}
    with captured_log_lines() as logs, pytest.raises(RuntimeError, match="vanished"):
        allocation_workflow.handler(event, FakeLambdaContext())
    line = logs.with_message("invocation failed")
    assert line["level"] == "ERROR"
    assert line["allocation_id"] == ALLOCATION
    assert line["command_id"] == "cmd_1"
    assert "the node vanished" in line["exception"]


def test_a_consumer_line_carries_the_event_it_consumes(monkeypatch):
    from functions import events_archive

    sample = load_function_event("events_archive_sqs")

    class Archive:
        def record(self, envelope: dict[str, Any]) -> bool:
            logging.getLogger("chalicelib.eventlog.service").info("filed")
            return True

    monkeypatch.setattr(bootstrap, "event_log_service", lambda: Archive())
    with captured_log_lines() as logs:
        assert events_archive.handler(sample, FakeLambdaContext()) == {"batchItemFailures": []}
    filed = [line for line in logs.all() if line["message"] == "filed"]
    envelopes = [events_archive.envelope_of(record) for record in SQSEvent(sample).records]
    assert [line["event_id"] for line in filed] == [envelope["id"] for envelope in envelopes]
    for line, envelope in zip(filed, envelopes, strict=True):
        assert line["correlation_id"] == envelope["id"]
        assert line["event_type"] == envelope["type"]
        assert line.get("org_id") == envelope["data"].get("org_id")


def test_keys_bound_in_one_thread_do_not_show_in_another():
    ready, done = threading.Event(), threading.Event()

    def other_request() -> None:
        with observability.log_context(request_id="req-other"):
            ready.set()
            done.wait(5)
            SERVICE_LOG.warning("in the other thread")

    thread = threading.Thread(target=other_request)
    with captured_log_lines() as logs:
        thread.start()
        ready.wait(5)
        with observability.log_context(request_id="req-mine"):
            SERVICE_LOG.warning("in this thread")
        done.set()
        thread.join(5)
    assert logs.with_message("in this thread")["request_id"] == "req-mine"
    assert logs.with_message("in the other thread")["request_id"] == "req-other"


# Tracing: each case in a fresh interpreter, since turning it on patches botocore for the whole process.

_TRACING_PROBE = r"""
import json, sys
from chalice.test import Client

import app
from chalicelib import bootstrap
from chalicelib.core import observability
from functions import catalog_reconcile

spans = []
if "--on" in sys.argv:
    import boto3
    from aws_xray_sdk.core import xray_recorder
    from moto import mock_aws

    class Emitter:
        def send_entity(self, entity):
            def walk(e):
                spans.append({"name": e.name, "annotations": dict(e.annotations)})
                for child in getattr(e, "subsegments", []):
                    walk(child)
            walk(entity)

        def set_daemon_address(self, address):
            pass

    xray_recorder.configure(emitter=Emitter(), sampling=False)

class Inventory:
    def reconcile_capacity(self, page_size):
        if "--on" in sys.argv:
            with mock_aws():
                boto3.client("sts", region_name="us-east-1").get_caller_identity()
        return []

class Context:
    function_name = "gpuaas-test-catalog-reconcile"
    aws_request_id = "req-worker"

bootstrap.inventory_service = Inventory
with Client(app.app, stage_name="local") as client:
    status = client.http.get("/v1/health").status_code
catalog_reconcile.handler({}, Context())
print("PROBE=" + json.dumps({
    "status": status,
    "xray_loaded": "aws_xray_sdk" in sys.modules,
    "tracer": type(observability.tracer()).__name__,
    "spans": spans,
}))
"""


def _probe(*args: str, **env: str) -> dict[str, Any]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("GPUAAS_", "POWERTOOLS_", "AWS_XRAY"))}
    environ.update(
        PYTHONPATH=str(ROOT),
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        GPUAAS_RATE_LIMITS=json.dumps(dict.fromkeys(("read", "write", "auth", "public"), 0)),
        **env,
    )
    proc = subprocess.run(
        [sys.executable, "-c", _TRACING_PROBE, *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE="))
    return json.loads(line.removeprefix("PROBE="))


def test_tracing_is_off_by_default_and_the_xray_sdk_never_loads():
    result = _probe()
    assert result["status"] == 200
    assert result["tracer"] == "NoneType"
    assert result["xray_loaded"] is False


def test_tracing_switched_on_traces_requests_invocations_and_aws_calls():
    result = _probe("--on", POWERTOOLS_TRACE_DISABLED="false")
    assert result["status"] == 200
    assert result["tracer"] == "Tracer"
    by_name = {span["name"]: span for span in result["spans"]}
    request = by_name["## GET /v1/health"]
    assert request["annotations"]["request_id"] == request["annotations"]["correlation_id"]
    assert "## functions.catalog_reconcile" in by_name
    # botocore is patched: the worker's AWS call is a subsegment of its own.
    assert "sts" in by_name


def test_the_templates_tracing_parameter_is_the_one_switch():
    from localcloud.template import build_model, load_raw_template

    template = load_raw_template()
    assert template["Globals"]["Function"]["Tracing"] == {"Ref": "Tracing"}
    # Chalice writes Tracing on its own function, which would win over Globals.
    assert template["Resources"]["APIHandler"]["Properties"]["Tracing"] == {"Ref": "Tracing"}
    assert template["Resources"]["RestAPI"]["Properties"]["TracingEnabled"] == {
        "Fn::If": ["TracingActive", True, False]
    }
    off = build_model(stage="local").global_environment
    on = build_model(stage="local", parameter_overrides={"Tracing": "Active"}).global_environment
    assert off["POWERTOOLS_TRACE_DISABLED"] == "true"
    assert on["POWERTOOLS_TRACE_DISABLED"] == "false"
    assert load_settings_from(off).tracing_enabled is False
    assert load_settings_from(on).tracing_enabled is True


def load_settings_from(environment: dict[str, str]) -> Any:
    from chalicelib.core.settings import load_settings

    return load_settings(dict(environment))
