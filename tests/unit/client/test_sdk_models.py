"""The SDK's answers are the generated models, and a model's ``to_dict()`` is exactly the JSON the API sent.

For every success response of every operation in ``doc/openapi.yaml``, instances are built from the
document's own schema (every field, and the required fields alone, with timestamps as the API writes
them: ``...000Z``), checked against the schema, parsed by the generated operation and rendered back.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import httpx
import pytest
from gpuaas_client import _api
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.unit.client.api_samples import AT, document, resolve, sample

pytestmark = pytest.mark.unit

DOC_URI = "urn:gpuaas:openapi"
METHODS = ("get", "put", "post", "delete", "patch")


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    registry = Registry().with_resource(DOC_URI, Resource.from_contents(document(), default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": f"{DOC_URI}#{schema['$ref'][1:]}"} if "$ref" in schema else schema,
                                registry=registry)  # fmt: skip


def success_responses() -> list[tuple[str, str, int, dict[str, Any]]]:
    found = []
    for item in document()["paths"].values():
        for method, op in item.items():
            if method not in METHODS:
                continue
            tag = re.sub(r"[^a-z0-9]+", "_", op["tags"][0].lower()).strip("_")
            for status, response in op["responses"].items():
                media = (resolve(response).get("content") or {}).get("application/json")
                if str(status).startswith("2") and media:
                    found.append((tag, op["operationId"], int(status), media["schema"]))
    return found


@pytest.mark.parametrize("full", [True, False], ids=["every-field", "required-only"])
@pytest.mark.parametrize(("tag", "operation", "status", "schema"), success_responses(), ids=lambda v: str(v))
def test_every_answer_renders_back_exactly_as_the_api_sent_it(tag, operation, status, schema, full):
    instance = sample(schema, full)
    problems = [e.message for e in validator(schema).iter_errors(instance) if e.validator not in ("pattern", "format")]
    assert not problems, problems
    module = importlib.import_module(f"gpuaas_client._api.api.{tag}.{operation}")
    client = _api.Client(base_url="http://api.test")
    parsed = module._parse_response(client=client, response=httpx.Response(status, json=instance))
    assert parsed is not None and hasattr(parsed, "to_dict"), parsed
    assert parsed.to_dict() == instance


def test_there_is_an_answer_of_every_kind():
    operations = {operation for _, operation, _, _ in success_responses()}
    wanted = {"list_skus", "get_allocation", "get_balance", "list_ledger", "get_usage", "get_statement", "me"}
    assert wanted <= operations


def test_timestamps_are_the_api_strings():
    from gpuaas_client._api.models import Allocation

    allocation = Allocation.from_dict(sample(resolve({"$ref": "#/components/schemas/Allocation"}), True))
    assert allocation.created_at == AT and isinstance(allocation.created_at, str)
