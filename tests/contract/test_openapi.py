"""The OpenAPI document (doc/openapi.yaml) is the API's contract: these tests keep it equal to the code.

Routes are read from ``app.api.routes`` in a subprocess per stage (the dev issuer exists only when
``GPUAAS_STAGE=local``, and importing ``app`` here would pin this process's settings), then compared with
the document both ways: paths and methods, operationIds (the Chalice view names), the action and the
security it needs, request bodies and query parameters (against the pydantic models), the error catalog,
and the representations the views return.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from pydantic import BaseModel
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from chalicelib.auth.policy import AGENT_ACTIONS, NEVER_RATE_LIMITED, PUBLIC_ACTIONS
from chalicelib.core.errors import CATALOG

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DOC_PATH = ROOT / "doc" / "openapi.yaml"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
BEARER = [{"bearerAuth": []}]
DOC_URI = "urn:gpuaas:openapi"
RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
# The one public action that checks a credential (in its body) and a membership: signing in.
SIGN_IN = "auth:token"
# The public action whose credential is a bootstrap token in the body: it can be refused (401), never forbidden.
AGENT_REGISTER = "agent:register"

_LIST_ROUTES = """
import json
import app

def name(model):
    return None if model is None else f"{model.__module__}:{model.__qualname__}"

routes = [
    {
        "method": r.method,
        "path": r.path,
        "action": r.action,
        "body": name(r.body),
        "query": name(r.query),
        "idempotent": r.idempotent,
        "view_name": app.app.routes[r.path][r.method].view_name,
    }
    for r in app.api.routes
]
print("ROUTES=" + json.dumps(routes))
"""


@cache
def routes_for_stage(stage: str) -> tuple[dict[str, Any], ...]:
    env = {**os.environ, "GPUAAS_STAGE": stage, "PYTHONPATH": str(ROOT), "AWS_DEFAULT_REGION": "us-east-1"}
    proc = subprocess.run(
        [sys.executable, "-c", _LIST_ROUTES], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("ROUTES="))
    return tuple(json.loads(line.removeprefix("ROUTES=")))


def load_model(name: str | None) -> type[BaseModel] | None:
    if name is None:
        return None
    module, qualname = name.split(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return yaml.safe_load(DOC_PATH.read_text())


@pytest.fixture(scope="module")
def routes() -> tuple[dict[str, Any], ...]:
    return routes_for_stage("local")


def operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): op
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def resolve(doc: dict[str, Any], node: Any) -> Any:
    """Follow local ``$ref``s (``#/a/b``) until a node without one."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def parameters(doc: dict[str, Any], op: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    resolved = [resolve(doc, p) for p in op.get("parameters", [])]
    return {p["name"]: p for p in resolved if p["in"] == where}


def error_codes(doc: dict[str, Any], response: dict[str, Any]) -> list[str]:
    """The codes an error response narrows ``Error.error.code`` to."""
    schema = resolve(doc, response)["content"]["application/json"]["schema"]
    refs = [part for part in schema["allOf"] if "$ref" in part]
    assert refs == [{"$ref": "#/components/schemas/Error"}], schema
    narrowing = next(part for part in schema["allOf"] if "$ref" not in part)
    return narrowing["properties"]["error"]["properties"]["code"]["enum"]


def strip_annotations(schema: Any) -> Any:
    """A JSON Schema without the keywords that only annotate (titles, descriptions, examples)."""
    if isinstance(schema, dict):
        return {k: strip_annotations(v) for k, v in schema.items() if k not in ("title", "description", "examples")}
    if isinstance(schema, list):
        return [strip_annotations(v) for v in schema]
    return schema


def schema_validator(doc: dict[str, Any], name: str) -> Draft202012Validator:
    registry = Registry().with_resource(DOC_URI, Resource.from_contents(doc, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": f"{DOC_URI}#/components/schemas/{name}"}, registry=registry)


# The document itself -------------------------------------------------------------------------


def test_document_is_a_valid_openapi_3_1_document(doc: dict[str, Any]) -> None:
    assert str(doc["openapi"]).startswith("3.1.")
    validate(doc, cls=OpenAPIV31SpecValidator)


def test_bearer_scheme_is_a_jwt_and_the_default(doc: dict[str, Any]) -> None:
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        **doc["components"]["securitySchemes"]["bearerAuth"],
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert doc["security"] == BEARER


def test_error_code_enum_is_the_catalog(doc: dict[str, Any]) -> None:
    assert sorted(doc["components"]["schemas"]["ErrorCode"]["enum"]) == sorted(CATALOG)


# Routes <-> operations -----------------------------------------------------------------------


def test_every_route_is_documented_and_every_operation_is_a_route(
    doc: dict[str, Any], routes: tuple[dict[str, Any], ...]
) -> None:
    in_code = {(r["method"], r["path"]) for r in routes}
    in_doc = set(operations(doc))
    assert not in_code - in_doc, f"routes missing from doc/openapi.yaml: {sorted(in_code - in_doc)}"
    assert not in_doc - in_code, f"documented operations with no route: {sorted(in_doc - in_code)}"


def test_local_only_operations_are_exactly_the_routes_other_stages_lack(
    doc: dict[str, Any], routes: tuple[dict[str, Any], ...]
) -> None:
    local = {(r["method"], r["path"]) for r in routes}
    deployed = {(r["method"], r["path"]) for r in routes_for_stage("prod")}
    assert deployed <= local
    marked = {key for key, op in operations(doc).items() if op.get("x-gpuaas-stage") == "local"}
    assert marked == local - deployed
    assert marked, "the dev issuer's routes should exist in the local stage"
    stages = {op.get("x-gpuaas-stage") for op in operations(doc).values()}
    assert stages <= {None, "local"}


def test_operation_ids_are_unique_and_name_the_view(doc: dict[str, Any], routes: tuple[dict[str, Any], ...]) -> None:
    ops = operations(doc)
    ids = [op["operationId"] for op in ops.values()]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for route in routes:
        assert ops[(route["method"], route["path"])]["operationId"] == route["view_name"], route


def test_security_matches_the_action(doc: dict[str, Any], routes: tuple[dict[str, Any], ...]) -> None:
    ops = operations(doc)
    for route in routes:
        op = ops[(route["method"], route["path"])]
        key = f"{route['method']} {route['path']}"
        assert op["x-gpuaas-action"] == route["action"], key
        assert "security" in op, f"{key} must state its security explicitly"
        public = route["action"] in PUBLIC_ACTIONS
        if public:
            assert op["security"] == [], key
            if route["action"] == SIGN_IN:
                # No bearer token, but the OIDC or refresh token in the body can be refused, and so can a
                # user who belongs to no org.
                assert error_codes(doc, op["responses"]["401"]) == ["INVALID_TOKEN"], key
                assert error_codes(doc, op["responses"]["403"]) == ["FORBIDDEN"], key
            elif route["action"] == AGENT_REGISTER:
                assert error_codes(doc, op["responses"]["401"]) == ["INVALID_TOKEN"], key
                assert "403" not in op["responses"], key
            else:
                assert "401" not in op["responses"], key
                assert "403" not in op["responses"], key
        else:
            assert op["security"] == BEARER, key
            assert set(error_codes(doc, op["responses"]["401"])) == {"UNAUTHENTICATED", "INVALID_TOKEN"}, key
            # Every authenticated action can be refused: to a role, to an API key's scopes, to a non-operator;
            # creating an allocation also to an org whose payments are disputed.
            creates = (route["method"], route["path"]) == ("POST", "/v1/allocations")
            extra = ["ACCOUNT_FROZEN"] if creates else []
            assert sorted(error_codes(doc, op["responses"]["403"])) == sorted(["FORBIDDEN", *extra]), key
        # Agent routes take a node token and nothing else; a node token opens nothing else.
        assert (op.get("x-gpuaas-credential") == "node") == (route["action"] in AGENT_ACTIONS), key
        assert op.get("x-gpuaas-credential") in (None, "node"), key


def test_bearer_scheme_documents_node_tokens(doc: dict[str, Any]) -> None:
    description = doc["components"]["securitySchemes"]["bearerAuth"]["description"]
    assert "gpn_<node_id>_" in description
    assert "x-gpuaas-credential: node" in description


# Requests ------------------------------------------------------------------------------------


def test_request_bodies_match_the_models(doc: dict[str, Any], routes: tuple[dict[str, Any], ...]) -> None:
    ops = operations(doc)
    for route in routes:
        op = ops[(route["method"], route["path"])]
        key = f"{route['method']} {route['path']}"
        model = load_model(route["body"])
        if model is None:
            assert "requestBody" not in op, f"{key} takes no body"
            continue
        body = resolve(doc, op["requestBody"])
        assert body["required"] is True, key
        assert set(body["content"]) == {"application/json"}, key
        documented = resolve(doc, body["content"]["application/json"]["schema"])
        expected = model.model_json_schema(ref_template="#/components/schemas/{model}")
        assert documented["additionalProperties"] is False, key
        assert list(documented["properties"]) == list(expected["properties"]), key
        assert sorted(documented.get("required", [])) == sorted(expected.get("required", [])), key
        assert strip_annotations(documented["properties"]) == strip_annotations(expected["properties"]), key


def test_query_parameters_match_the_models(doc: dict[str, Any], routes: tuple[dict[str, Any], ...]) -> None:
    ops = operations(doc)
    for route in routes:
        key = f"{route['method']} {route['path']}"
        documented = parameters(doc, ops[(route["method"], route["path"])], "query")
        model = load_model(route["query"])
        if model is None:
            assert not documented, f"{key} takes no query parameters"
            continue
        expected = model.model_json_schema()
        assert set(documented) == set(expected["properties"]), key
        required = set(expected.get("required", []))
        for name, param in documented.items():
            assert param.get("required", False) == (name in required), f"{key} ?{name}"
            wire = expected["properties"][name]
            branches = [b for b in wire.get("anyOf", [wire]) if b.get("type") != "null"]
            assert strip_annotations(param["schema"]) == strip_annotations(
                {k: v for k, v in branches[0].items() if k != "default"}
            ), f"{key} ?{name}"


def test_catalog_filters_are_documented(doc: dict[str, Any]) -> None:
    documented = parameters(doc, doc["paths"]["/v1/skus"]["get"], "query")
    assert set(documented) == {
        "gpu_model",
        "min_gpus",
        "region",
        "max_price_per_hour_micros",
        "available",
        "limit",
        "cursor",
    }


def test_path_parameters_match_the_path_template(doc: dict[str, Any]) -> None:
    for (method, path), op in operations(doc).items():
        documented = parameters(doc, op, "path")
        assert set(documented) == set(re.findall(r"{(\w+)}", path)), f"{method} {path}"
        assert all(p["required"] is True for p in documented.values())


def test_idempotent_routes_document_the_header_and_its_errors(
    doc: dict[str, Any], routes: tuple[dict[str, Any], ...]
) -> None:
    ops = operations(doc)
    for route in routes:
        op = ops[(route["method"], route["path"])]
        key = f"{route['method']} {route['path']}"
        headers = parameters(doc, op, "header")
        assert ("Idempotency-Key" in headers) == route["idempotent"], key
        if route["idempotent"]:
            assert "INVALID_IDEMPOTENCY_KEY" in error_codes(doc, op["responses"]["400"]), key
            assert "IDEMPOTENCY_IN_PROGRESS" in error_codes(doc, op["responses"]["409"]), key
            assert "IDEMPOTENCY_KEY_REUSED" in error_codes(doc, op["responses"]["422"]), key


def test_conditional_writes_document_if_match_and_412(doc: dict[str, Any]) -> None:
    for (method, path), op in operations(doc).items():
        has_if_match = "If-Match" in parameters(doc, op, "header")
        assert has_if_match == ("412" in op["responses"]), f"{method} {path}"
    assert "If-Match" in parameters(doc, doc["paths"]["/v1/admin/skus/{sku_id}"]["patch"], "header")
    assert "If-Match" in parameters(doc, doc["paths"]["/v1/admin/skus/{sku_id}/retire"]["post"], "header")


# Responses -----------------------------------------------------------------------------------


def test_error_responses_name_catalog_codes_of_their_status(
    doc: dict[str, Any], routes: tuple[dict[str, Any], ...]
) -> None:
    ops = operations(doc)
    for route in routes:
        op = ops[(route["method"], route["path"])]
        key = f"{route['method']} {route['path']}"
        statuses = set(op["responses"])
        assert {"400", "429", "500"} <= statuses, key
        for status, response in op["responses"].items():
            if int(status) < 400:
                continue
            codes = error_codes(doc, response)
            assert codes, f"{key} {status}"
            for code in codes:
                assert code in CATALOG, f"{key} {status}: unknown code {code}"
                assert CATALOG[code].status == int(status), f"{key} {status}: {code} is a {CATALOG[code].status}"
            assert "X-Request-Id" in resolve(doc, response)["headers"], f"{key} {status}"
        if route["body"] is not None:
            assert {"MALFORMED_JSON", "VALIDATION_ERROR"} <= set(error_codes(doc, op["responses"]["400"])), key
            assert {"413", "415"} <= statuses, key
        if route["query"] is not None and "cursor" in parameters(doc, op, "query"):
            assert "INVALID_CURSOR" in error_codes(doc, op["responses"]["400"]), key
        if "{" in route["path"]:
            assert "404" in statuses, f"{key}: an id in the path can name nothing"
    assert "Retry-After" in doc["components"]["responses"]["RateLimited"]["headers"]


def test_success_responses_carry_request_id_and_sku_etags(doc: dict[str, Any]) -> None:
    for (method, path), op in operations(doc).items():
        ok = [(status, resolve(doc, r)) for status, r in op["responses"].items() if int(status) < 300]
        assert len(ok) == 1, f"{method} {path}"
        status, response = ok[0]
        assert "X-Request-Id" in response["headers"], f"{method} {path}"
        if status == "204":
            assert "content" not in response, f"{method} {path}: a 204 has no body"
            continue
        # Versioned documents (SKUs, the billing policy) carry their version as an ETag for If-Match.
        versioned = [{"$ref": f"#/components/schemas/{name}"} for name in ("Sku", "BillingPolicy")]
        returns_versioned = response["content"]["application/json"]["schema"] in versioned
        assert ("ETag" in response["headers"]) == returns_versioned, f"{method} {path}"


def test_rate_limits_are_documented(doc: dict[str, Any], routes: tuple[dict[str, Any], ...]) -> None:
    ops = operations(doc)
    for route in routes:
        op = ops[(route["method"], route["path"])]
        key = f"{route['method']} {route['path']}"
        ok = [resolve(doc, r) for status, r in op["responses"].items() if int(status) < 300]
        limited = route["action"] not in NEVER_RATE_LIMITED
        for header in RATE_LIMIT_HEADERS:
            assert (header in ok[0]["headers"]) == limited, f"{key}: {header}"
        # A 429 can come from the route's budget or from API Gateway's throttling: every operation has one.
        throttled = resolve(doc, op["responses"]["429"])
        assert error_codes(doc, throttled) == ["RATE_LIMITED"], key
        assert "Retry-After" in throttled["headers"], key
    for header in (*RATE_LIMIT_HEADERS, "Retry-After"):
        assert doc["components"]["headers"][header]["schema"]["type"] == "integer", header


def test_every_operation_documents_a_retryable_503(doc: dict[str, Any], routes: tuple[dict[str, Any], ...]) -> None:
    ops = operations(doc)
    for route in routes:
        key = f"{route['method']} {route['path']}"
        # A throttled or unreachable dependency (DynamoDB, EventBridge, SQS, STS, Secrets Manager) answers any
        # route with a retryable 503 (chalicelib.api.routing._is_transient): every operation has one.
        unavailable = resolve(doc, ops[(route["method"], route["path"])]["responses"]["503"])
        assert "SERVICE_UNAVAILABLE" in error_codes(doc, unavailable), key
        assert "Retry-After" in unavailable["headers"], key
        assert "X-Request-Id" in unavailable["headers"], key
    shared = doc["components"]["responses"]["ServiceUnavailable"]
    assert error_codes(doc, shared) == ["SERVICE_UNAVAILABLE"]
    assert {"Retry-After", "X-Request-Id"} <= set(shared["headers"])


def _sample_sku(**changes: Any) -> Any:
    from chalicelib.inventory.models import Sku

    fields = {
        "id": "sku_" + "0" * 26,
        "name": "h100-x2",
        "gpu_model": "H100-80GB-SXM",
        "gpus": 2,
        "vcpus": 32,
        "ram_gib": 256,
        "disk_gib": 1000,
        "region": "us-east-1",
        "price_per_hour_micros": 4_500_000,
        "currency": "USD",
        "status": "active",
        "created_at": "2025-01-31T12:00:00.000Z",
        "updated_at": "2025-01-31T12:00:00.000Z",
        "total_slots": 4,
        "free_slots": 3,
    }
    return Sku(**{**fields, **changes})


def _identity_samples() -> dict[str, list[Any]]:
    from dataclasses import replace

    from chalicelib.api.identity_bodies import api_key_body, member_body, new_api_key_body, session_body
    from chalicelib.audit.models import Actor, record
    from chalicelib.audit.payloads import audit_document
    from chalicelib.identity.models import ApiKey, Membership, SessionTokens
    from chalicelib.identity.payloads import member_audit

    at = "2025-01-31T12:00:00.000Z"
    user_id, org_id = "usr_" + "3" * 26, "org_" + "4" * 26
    session = session_body(SessionTokens("h.p.s", "gpr_" + "r" * 43, 900, user_id, org_id))
    member = Membership(org_id, user_id, "admin", at, "a@example.com", "A", "acme")
    key = ApiKey(
        id="key_" + "5" * 16,
        prefix="gpk_" + "5" * 16,
        name="ci",
        org_id=org_id,
        created_by=user_id,
        role="member",
        scopes=("read",),
        created_at=at,
        expires_at=at,
    )
    actor = Actor(user_id, org_id, "admin", False, "req-1", via="api_key", api_key_id=key.id)
    return {
        "Session": [session],
        "DevSession": [{**session, "id_token": "h.p.s"}],
        "Member": [member_body(member)],
        "MemberPage": [{"items": [member_body(member)], "next_cursor": None}],
        "ApiKey": [api_key_body(key), api_key_body(replace(key, revoked_at=at, last_used_at=at))],
        "NewApiKey": [new_api_key_body(key, f"{key.prefix}_" + "s" * 43)],
        "ApiKeyPage": [{"items": [api_key_body(key)], "next_cursor": "abc"}],
        "AuditRecord": [
            audit_document(record("members:write", user_id, actor, at, before=None, after=member_audit(member))),
            audit_document(
                record("admin:skus:retire", "sku_" + "0" * 26, Actor.system("req-2"), at, before={}, after={})
            ),
        ],
        "AuditPage": [{"items": [], "next_cursor": None}],
    }


def _fleet_samples(sku_id: str, node_id: str) -> dict[str, list[Any]]:
    from chalicelib.api.fleet_bodies import new_bootstrap_token_body, registered_node_body
    from chalicelib.fleet.models import BootstrapToken, IssuedBootstrapToken, RegisteredNode

    at = "2025-01-31T12:00:00.000Z"
    token = BootstrapToken("bst_" + "6" * 16, sku_id, "usr_" + "3" * 26, at, at, "hash")
    used = BootstrapToken("bst_" + "6" * 16, sku_id, "usr_" + "3" * 26, at, at, "hash", used_at=at, node_id=node_id)
    queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/gpuaas-prod-node-" + node_id + ".fifo"
    node = RegisteredNode(node_id, f"gpn_{node_id}_" + "t" * 43, queue_url, "us-east-1", 20)
    return {
        "NewBootstrapToken": [
            new_bootstrap_token_body(IssuedBootstrapToken(t, "gpb_" + "6" * 16 + "_" + "s" * 43)) for t in (token, used)
        ],
        "RegisteredNode": [registered_node_body(node)],
        "HeartbeatAck": [{"next_heartbeat_seconds": 20}],
    }


def _log_samples() -> dict[str, list[Any]]:
    from chalicelib.api.log_bodies import log_batch_ack_body, log_line_body, log_page_body
    from chalicelib.logs.models import IngestReceipt, LogLine, LogPage

    line = LogLine(1_764_158_400_123, "training on GPUs 0,1")
    return {
        "LogLine": [log_line_body(line), log_line_body(LogLine(0, ""))],
        "LogPage": [log_page_body(LogPage((line,), "eyJrIjoiYWxsb2NhdGlvbiJ9")), log_page_body(LogPage((), "e30"))],
        "LogBatchAck": [log_batch_ack_body(IngestReceipt(3, 2))],
    }


def test_representations_validate_against_their_schemas(doc: dict[str, Any]) -> None:
    from chalicelib.api.inventory_bodies import node_body, node_with_slots_body, os_image_body, sku_body
    from chalicelib.api.routing import error_body
    from chalicelib.inventory.models import Node, OsImage, partition_into_slots

    sku = _sample_sku()
    node_id = "node_" + "1" * 26
    slots = partition_into_slots(node_id, sku, 8)
    node = Node(
        id=node_id,
        hostname="gpu-01.example.net",
        sku_id=sku.id,
        region=sku.region,
        gpu_model=sku.gpu_model,
        gpu_count=8,
        slot_count=len(slots),
        status="active",
        created_at=sku.created_at,
        slots=slots,
    )
    image = OsImage(
        id="img_" + "2" * 26,
        name="ubuntu-22-04-cuda",
        family="ubuntu",
        version="22.04",
        container_image="nvidia/cuda:12.4.1-runtime-ubuntu22.04",
        status="available",
        created_at=sku.created_at,
    )
    samples = {
        "Sku": [sku_body(sku), sku_body(_sample_sku(status="retired", free_slots=0))],
        "OsImage": [os_image_body(image)],
        "Node": [node_body(node)],
        "NodeWithSlots": [node_with_slots_body(node)],
        "SkuPage": [{"items": [sku_body(sku)], "next_cursor": None}, {"items": [], "next_cursor": "abc"}],
        "NodePage": [{"items": [node_body(node)], "next_cursor": None}],
        "OsImagePage": [{"items": [os_image_body(image)], "next_cursor": None}],
        "Error": [
            error_body("SKU_NOT_FOUND", "No such SKU", "req-1"),
            error_body("VALIDATION_ERROR", "bad", "req-2", [{"field": "gpus", "problem": "too small"}]),
        ],
    }
    samples.update(_identity_samples())
    samples.update(_fleet_samples(sku.id, node_id))
    samples.update(_log_samples())
    schemas = doc["components"]["schemas"]
    for name, instances in samples.items():
        validator = schema_validator(doc, name)
        for instance in instances:
            problems = [e.message for e in validator.iter_errors(instance)]
            assert not problems, f"{name}: {problems}"
            schema = schemas[name]
            if "required" in schema:
                # Exactly the representation's fields: none missing from the document, none invented.
                assert set(schema["properties"]) == set(instance), name
                assert set(schema["required"]) == set(instance), name
    # GET /v1/me: api_key_id is there only with an API key, so its fields are checked against each shape.
    me = {
        "user": {"id": "usr_" + "3" * 26, "email": "a@example.com", "name": "A"},
        "org": {"id": "org_" + "4" * 26, "name": "acme"},
        "role": "admin",
        "operator": False,
        "orgs": [{"id": "org_" + "4" * 26, "name": "acme", "role": "admin"}],
        "auth": "session",
    }
    via_key = {**me, "auth": "api_key", "api_key_id": "key_" + "5" * 16}
    for instance in (me, via_key):
        assert not [e.message for e in schema_validator(doc, "Me").iter_errors(instance)], instance
    assert set(schemas["Me"]["properties"]) == set(via_key)
    assert set(schemas["Me"]["required"]) == set(me)
    # Queue credentials: endpoint_url is there only in the local stage, so each shape is checked.
    from dataclasses import replace

    from chalicelib.api.fleet_bodies import queue_access_body
    from chalicelib.fleet.models import IssuedCredentials, QueueAccess

    issued = IssuedCredentials("ASIA" + "A" * 16, "s" * 40, "token", "2025-01-31T13:00:00Z")
    queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/gpuaas-prod-node-" + node_id + ".fifo"
    credentials = queue_access_body(QueueAccess(issued, queue_url, "us-east-1"))
    local = queue_access_body(
        QueueAccess(replace(issued, endpoint_url="http://127.0.0.1:5000"), queue_url, "us-east-1")
    )
    for instance in (credentials, local):
        assert not [e.message for e in schema_validator(doc, "QueueCredentials").iter_errors(instance)], instance
    assert set(schemas["QueueCredentials"]["properties"]) == set(local)
    assert set(schemas["QueueCredentials"]["required"]) == set(credentials)
    # additionalProperties: false is in force (a stray field is refused).
    assert list(schema_validator(doc, "Sku").iter_errors({**sku_body(sku), "secret": 1}))
    assert list(schema_validator(doc, "Error").iter_errors(error_body("NO_SUCH_CODE", "x", "r")))
