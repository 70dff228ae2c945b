"""Bad input gets a 4xx with a catalog code, and nothing is written."""

from __future__ import annotations

import json

import pytest

from chalicelib.core.errors import CATALOG
from tests.e2e.helpers import sku_body, table_items

pytestmark = pytest.mark.e2e


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["code"] in CATALOG
    assert error["request_id"] and error["request_id"] == response.headers["X-Request-Id"]
    assert error["message"]


def raw_post(api, path: str, data: bytes, content_type: str = "application/json"):
    return api.post(path, data=data, headers={"Content-Type": content_type})


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b'{"name": "x",', 400, "MALFORMED_JSON"),
        (b"\xff\xfe\x00garbage", 400, "MALFORMED_JSON"),
        (b"[1, 2, 3]", 400, "VALIDATION_ERROR"),
        (b'"a string"', 400, "VALIDATION_ERROR"),
        (b"null", 400, "VALIDATION_ERROR"),
        (json.dumps({**sku_body(), "surprise": 1}).encode(), 400, "VALIDATION_ERROR"),
        (json.dumps({**sku_body(), "gpus": "8"}).encode(), 400, "VALIDATION_ERROR"),
        (json.dumps({**sku_body(), "gpus": 1.5}).encode(), 400, "VALIDATION_ERROR"),
        (json.dumps({**sku_body(), "price_per_hour_micros": 2.49}).encode(), 400, "VALIDATION_ERROR"),
        (json.dumps({**sku_body(), "price_per_hour_micros": -1}).encode(), 400, "VALIDATION_ERROR"),
        (json.dumps({**sku_body(), "price_per_hour_micros": 2**64}).encode(), 400, "VALIDATION_ERROR"),
        (json.dumps({**sku_body(), "gpus": True}).encode(), 400, "VALIDATION_ERROR"),
        (json.dumps({**sku_body(), "region": "Mars"}).encode(), 400, "VALIDATION_ERROR"),
        (json.dumps({k: v for k, v in sku_body().items() if k != "gpu_model"}).encode(), 400, "VALIDATION_ERROR"),
        (b"{}", 400, "VALIDATION_ERROR"),
    ],
)
def test_bad_bodies_are_refused_and_nothing_is_written(api, table, data, status, code):
    before = table_items(table)
    response = raw_post(api, "/v1/admin/skus", data)
    assert_error(response, status, code)
    assert table_items(table) == before


def test_validation_errors_say_which_field(api):
    response = api.post("/v1/admin/skus", json={**sku_body(), "gpus": "8", "extra": 1})
    assert_error(response, 400, "VALIDATION_ERROR")
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert {"gpus", "extra"} <= fields


def test_oversized_body_is_413(api, table):
    before = table_items(table)
    big = json.dumps({**sku_body(), "name": "x" * 200_000}).encode()
    assert_error(raw_post(api, "/v1/admin/skus", big), 413, "PAYLOAD_TOO_LARGE")
    assert table_items(table) == before


def test_wrong_media_type_is_415(api):
    assert_error(
        raw_post(api, "/v1/admin/skus", b"name=x", "application/x-www-form-urlencoded"), 415, "UNSUPPORTED_MEDIA_TYPE"
    )


def test_unknown_routes_and_wrong_methods(api):
    assert_error(api.get("/v1/nope"), 404, "ROUTE_NOT_FOUND")
    assert_error(api.get("/"), 404, "ROUTE_NOT_FOUND")
    assert_error(api.request("DELETE", "/v1/skus"), 405, "METHOD_NOT_ALLOWED")
    assert_error(api.request("PUT", "/v1/health"), 405, "METHOD_NOT_ALLOWED")


def test_unknown_query_parameters_and_bad_values(api):
    assert_error(api.get("/v1/skus?colour=red", role=None), 400, "VALIDATION_ERROR")
    assert_error(api.get("/v1/skus?min_gpus=lots", role=None), 400, "VALIDATION_ERROR")
    assert_error(api.get("/v1/skus?limit=0", role=None), 400, "VALIDATION_ERROR")
    assert_error(api.get("/v1/skus?cursor=not-a-cursor", role=None), 400, "INVALID_CURSOR")
    assert_error(api.get("/v1/skus?region=us-east-1&cursor=eyJQSyI6IngifQ", role=None), 400, "INVALID_CURSOR")


def test_missing_or_bad_tokens_and_roles(api):
    assert_error(api.get("/v1/admin/skus", role=None), 401, "UNAUTHENTICATED")
    bad = {"Authorization": "Bearer not.a.jwt"}
    assert_error(api.get("/v1/admin/skus", role=None, headers=bad), 401, "INVALID_TOKEN")
    assert_error(api.get("/v1/admin/skus", role=None, headers={"Authorization": "Basic abc"}), 401, "UNAUTHENTICATED")
    assert_error(api.get("/v1/admin/skus", role="member"), 403, "FORBIDDEN")
    # A token whose signature was tampered with.
    token = api.token("operator")
    head, payload, sig = token.split(".")
    forged = f"{head}.{payload}.{sig[:-4]}AAAA"
    assert_error(
        api.get("/v1/admin/skus", role=None, headers={"Authorization": f"Bearer {forged}"}), 401, "INVALID_TOKEN"
    )


def test_if_match_must_be_a_version(api):
    sku = api.post("/v1/admin/skus", json=sku_body()).json()
    response = api.patch(f"/v1/admin/skus/{sku['id']}", json={"vcpus": 30}, headers={"If-Match": "banana"})
    assert_error(response, 400, "VALIDATION_ERROR")


def test_idempotency_key_replays_the_first_answer_and_refuses_a_different_body(api, table):
    headers = {"Idempotency-Key": "create-h100-once"}
    first = api.post("/v1/admin/skus", json=sku_body(), headers=headers)
    again = api.post("/v1/admin/skus", json=sku_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = api.post("/v1/admin/skus", json=sku_body(name="other-sku"), headers=headers)
    assert_error(other, 422, "IDEMPOTENCY_KEY_REUSED")
    skus = [i for i in table_items(table) if i.get("type", {}).get("S") == "sku"]
    assert len(skus) == 1
    assert_error(
        api.post("/v1/admin/skus", json=sku_body(name="x2"), headers={"Idempotency-Key": ""}),
        400,
        "INVALID_IDEMPOTENCY_KEY",
    )


ODD_BODIES = [b"", b"{", b"[]", b'{"a":' + b"[" * 5000, b'{"name": null, "gpus": 1e400}', b"\x00\x01"]
ODD_PATH_IDS = ["sku_" + "z" * 26, "%00..%2F..", "a" * 2000]


def test_no_input_yields_a_500(api, cloud):
    from app import api as app_api

    for spec in app_api.routes:
        for ident in ODD_PATH_IDS:
            path = spec.path.replace("{sku_id}", ident).replace("{node_id}", ident)
            attempts = [("operator", body) for body in ODD_BODIES] + [(None, b"{}"), ("member", b"{}")]
            for role, body in attempts:
                response = api.request(
                    spec.method, path, role=role, data=body, headers={"Content-Type": "application/json"}
                )
                assert response.status_code < 500, (spec.method, path, body[:40], response.text)
                if response.status_code >= 400:
                    assert response.json()["error"]["code"] in CATALOG


def test_no_client_settable_privileged_fields(api):
    owner_session = api.token("owner")
    headers = {"Authorization": f"Bearer {owner_session}"}
    for body in [
        {"name": "k", "scopes": ["read"], "role": "owner"},
        {"name": "k", "scopes": ["read"], "org_id": "org_" + "0" * 26},
        {"name": "k", "scopes": ["members:write"]},
        {"name": "k", "scopes": ["admin:skus:create"]},
    ]:
        r = api.request("POST", "/v1/api-keys", role=None, json=body, headers=headers)
        assert_error(r, 400, "VALIDATION_ERROR")
    r = api.request("POST", "/v1/auth/logout-all", role=None, json={"user_id": "usr_" + "0" * 26}, headers=headers)
    assert_error(r, 400, "VALIDATION_ERROR")
