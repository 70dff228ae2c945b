"""An agent's result names only its command; the lines logged while it is handled name the allocation."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.fleet_helpers import customer_with_key, scripted_host
from tests.e2e.helpers import sku_body
from tests.support.logs import captured_log_lines

pytestmark = pytest.mark.e2e


def test_the_lines_of_an_agent_result_carry_its_allocation_and_node(api):
    sku = api.post("/v1/admin/skus", json=sku_body(gpus=1, name="log-sku")).json()
    image = {"name": "log-image", "family": "ubuntu", "version": "22.04", "container_image": "nvidia/cuda:12.4.1"}
    image = api.post("/v1/admin/os-images", json=image).json()
    host = scripted_host(api, sku, "log-01.fleet", gpus=1)
    customer = customer_with_key(api, "log")
    headers = {**customer, "Idempotency-Key": str(uuid.uuid4())}
    body = {"sku_id": sku["id"], "os_image_id": image["id"], "count": 1}
    allocation = api.request("POST", "/v1/allocations", role=None, headers=headers, json=body).json()
    [command] = host.commands()
    assert host.provisioned(command).status_code == 200
    with captured_log_lines() as logs:
        again = host.provisioned(command)
    assert again.status_code == 409
    refused = logs.with_message("request refused")
    assert refused["code"] == "COMMAND_ALREADY_REPORTED"
    assert refused["request_id"] == again.headers["X-Request-Id"]
    assert refused["command_id"] == command["command_id"]
    assert refused["node_id"] == host.node_id
    assert refused["allocation_id"] == allocation["id"]
