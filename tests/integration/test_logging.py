"""In the local cloud, the API and the in-process Lambdas log one JSON object per line, each with the
correlation keys of its request or invocation (see doc/architecture.md, Observability)."""

from __future__ import annotations

import pytest
import requests

from localcloud.lambda_runtime import FunctionError
from tests.support.logs import captured_log_lines

pytestmark = pytest.mark.integration

MISSING = "alc_01m8e794f820x8yaaqvvj6ec43"


def test_an_api_request_over_http_logs_its_request_org_and_allocation(cloud):
    signed_in = requests.post(
        f"{cloud.api_url}/v1/dev/token", json={"user": "alice", "org": "acme", "role": "owner"}, timeout=30
    )
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    org_id = requests.get(f"{cloud.api_url}/v1/me", headers=headers, timeout=30).json()["org"]["id"]
    with captured_log_lines() as logs:
        response = requests.get(f"{cloud.api_url}/v1/allocations/{MISSING}", headers=headers, timeout=30)
    assert response.status_code == 404
    refused = logs.with_message("request refused")
    assert refused["request_id"] == response.headers["X-Request-Id"] == refused["correlation_id"]
    assert refused["org_id"] == org_id
    assert refused["allocation_id"] == MISSING
    assert refused["code"] == "ALLOCATION_NOT_FOUND"


@pytest.mark.filterwarnings("ignore:No application metrics")
def test_a_workflow_task_run_in_process_logs_its_allocation_and_function(cloud):
    with captured_log_lines() as logs, pytest.raises(FunctionError):
        cloud.invoke("AllocationWorkflowFunction", {"step": "begin_provision", "allocation_id": MISSING})
    failed = logs.with_message("invocation failed")
    assert failed["level"] == "WARNING"
    assert failed["code"] == "ALLOCATION_NOT_FOUND"
    assert failed["allocation_id"] == failed["correlation_id"] == MISSING
    assert failed["step"] == "begin_provision"
    assert failed["function_name"] == cloud.resources.functions["AllocationWorkflowFunction"]
    assert failed["function_request_id"]
