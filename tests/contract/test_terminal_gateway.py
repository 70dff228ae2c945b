"""The terminal gateway's WebSocket API in infra/template.yaml, and the local cloud realising the same
routes with the same handlers (names come from the template, never from a second list)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from localcloud.template import build_model, load_raw_template, source_logical_id

pytestmark = pytest.mark.unit

TEMPLATE = load_raw_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
ROUTES = {"$connect": "connect", "$disconnect": "disconnect", "$default": "default"}


def _of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {k: v.get("Properties", {}) for k, v in RESOURCES.items() if v["Type"] == kind}


def _websocket_api() -> str:
    [api] = [k for k, p in _of_type("AWS::ApiGatewayV2::Api").items() if p.get("ProtocolType") == "WEBSOCKET"]
    return api


def _route_functions() -> dict[str, str]:
    api = _websocket_api()
    integrations = _of_type("AWS::ApiGatewayV2::Integration")
    found = {}
    for route in _of_type("AWS::ApiGatewayV2::Route").values():
        assert source_logical_id(route["ApiId"]) == api
        integration_id = route["Target"]["Fn::Sub"].removeprefix("integrations/${").removesuffix("}")
        integration = integrations[integration_id]
        assert integration["IntegrationType"] == "AWS_PROXY"
        uri = integration["IntegrationUri"]["Fn::Sub"]
        found[route["RouteKey"]] = uri.split("/functions/${", 1)[1].split(".Arn}", 1)[0]
    return found


def test_the_template_has_a_websocket_api_routing_everything_to_default():
    props = _of_type("AWS::ApiGatewayV2::Api")[_websocket_api()]
    assert props["RouteSelectionExpression"] == "$request.body.action"
    assert set(_route_functions()) == set(ROUTES)
    [stage] = _of_type("AWS::ApiGatewayV2::Stage").values()
    assert stage["StageName"] == {"Ref": "Stage"}


@pytest.mark.parametrize("route_key", sorted(ROUTES))
def test_each_route_is_a_lambda_of_the_relay_module_with_its_permission_and_manage_connections(route_key: str):
    function_id = _route_functions()[route_key]
    props = RESOURCES[function_id]["Properties"]
    module, _, name = props["Handler"].rpartition(".")
    assert (module, name) == ("functions.terminal_relay", ROUTES[route_key])
    assert callable(getattr(importlib.import_module(module), name))
    permissions = [p for p in _of_type("AWS::Lambda::Permission").values() if p["FunctionName"] == {"Ref": function_id}]
    [permission] = permissions
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["SourceArn"]["Fn::Sub"].endswith(f"${{{_websocket_api()}}}/*/{route_key}")
    statements = [s for policy in props["Policies"] for s in policy.get("Statement", [])]
    assert any(s["Action"] == "execute-api:ManageConnections" for s in statements)
    assert props["Environment"]["Variables"]["GPUAAS_TERMINAL_MANAGEMENT_URL"]["Fn::Sub"].startswith("https://")


def test_the_api_lambda_is_given_the_websocket_url():
    env = RESOURCES["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["GPUAAS_TERMINAL_URL"]["Fn::Sub"].startswith(f"wss://${{{_websocket_api()}}}.execute-api.")


def test_the_local_cloud_realises_the_same_routes_and_handlers():
    model = build_model(stage="local")
    [spec] = model.websocket_apis.values()
    assert spec.logical_id == _websocket_api() and spec.stage_name == "local"
    assert spec.routes == _route_functions()
    for route_key, function_id in spec.routes.items():
        assert model.functions[function_id].handler == f"functions.terminal_relay.{ROUTES[route_key]}"


def test_sessions_close_when_the_allocation_leaves_active():
    [rule] = [p for p in _of_type("AWS::Events::Rule").values() if p["Name"]["Fn::Sub"].endswith("-terminal-close")]
    assert set(rule["EventPattern"]["detail-type"]) == {
        "allocation.releasing",
        "allocation.released",
        "allocation.failed",
    }
    queue_id = source_logical_id(rule["Targets"][0]["Arn"])
    consumers = [
        p["Handler"]
        for p in _of_type("AWS::Serverless::Function").values()
        for e in p.get("Events", {}).values()
        if e["Type"] == "SQS" and source_logical_id(e["Properties"]["Queue"]) == queue_id
    ]
    assert consumers == ["functions.terminal_relay.allocation_ended"]
