"""Event contracts: validate envelopes against ``events/schemas`` and load sample payloads.

Every schema is JSON Schema 2020-12 and is identified by a URN (``$id``): event types by their
``dataschema`` (``urn:gpuaas:events:<type>:v1``), shared shapes in ``events/schemas/common`` by
``urn:gpuaas:schemas:<name>:v1``. All of them are loaded into one ``referencing.Registry``, so
``$ref``s resolve offline and no schema is ever fetched.

Integers are checked strictly: ``2490000.0`` is a float in Python and is rejected where the
schema says ``integer`` (money and counts are never floats on our wire).
"""

from __future__ import annotations

import ast
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.protocols import Validator
from jsonschema.validators import extend
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
EVENTS_DIR = ROOT / "events"
SCHEMAS_DIR = EVENTS_DIR / "schemas"
COMMON_SCHEMAS_DIR = SCHEMAS_DIR / "common"
SAMPLES_DIR = EVENTS_DIR / "samples"
PUBLIC_SCHEMAS_DIR = EVENTS_DIR / "public"
PUBLIC_ASYNCAPI_PATH = EVENTS_DIR / "public-asyncapi.yaml"
FUNCTION_EVENTS_DIR = EVENTS_DIR / "functions"
ASYNCAPI_PATH = EVENTS_DIR / "asyncapi.yaml"
CODE_DIR = ROOT / "chalicelib"


class ContractViolation(AssertionError):
    """An envelope that does not match the contract of its type (or has no contract at all)."""


def dataschema_urn(event_type: str, version: int = 1) -> str:
    return f"urn:gpuaas:events:{event_type}:v{version}"


def read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def _is_strict_integer(_checker: Any, instance: Any) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


StrictValidator = extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_strict_integer),
)


def schema_files() -> list[Path]:
    """Every schema file: one per event type plus the shared ones under ``common/``, and the public
    events' bodies (``events/public/``, which ``$ref`` the internal types' ``data``)."""
    return (
        sorted(SCHEMAS_DIR.glob("*.json"))
        + sorted(COMMON_SCHEMAS_DIR.glob("*.json"))
        + sorted(PUBLIC_SCHEMAS_DIR.glob("*.json"))
    )


@cache
def _schemas_by_type() -> dict[str, dict[str, Any]]:
    return {path.name.removesuffix(".json"): read_json(path) for path in sorted(SCHEMAS_DIR.glob("*.json"))}


@cache
def registry() -> Registry:
    """All schemas, keyed by their ``$id``; a duplicate or missing ``$id`` is an error."""
    resources: dict[str, Resource] = {}
    for path in schema_files():
        contents = read_json(path)
        schema_id = contents.get("$id")
        if not isinstance(schema_id, str) or not schema_id.startswith("urn:gpuaas:"):
            raise ContractViolation(f"{path.relative_to(ROOT)} has no urn:gpuaas: $id")
        if schema_id in resources:
            raise ContractViolation(f"{path.relative_to(ROOT)} repeats the $id {schema_id}")
        # Without its "$schema", a $ref target is validated by the referring validator's class (the strict
        # one) instead of the stock class jsonschema registers for that dialect.
        contents = {k: v for k, v in contents.items() if k != "$schema"}
        resources[schema_id] = DRAFT202012.create_resource(contents)
    return Registry().with_resources(resources.items()).crawl()


def event_types_with_schemas() -> set[str]:
    """The event types that have a schema file ``events/schemas/<type>.json``."""
    return set(_schemas_by_type())


def schema_for(event_type: str) -> dict[str, Any]:
    try:
        return _schemas_by_type()[event_type]
    except KeyError:
        known = ", ".join(sorted(_schemas_by_type())) or "none"
        raise ContractViolation(
            f"No schema for event type {event_type!r}: add events/schemas/{event_type}.json (known types: {known})"
        ) from None


@cache
def validator_for(event_type: str) -> Validator:
    return StrictValidator(schema_for(event_type), registry=registry(), format_checker=FormatChecker())


def _describe(error: Any) -> str:
    where = "/" + "/".join(str(p) for p in error.absolute_path)
    return f"  at {where}: {error.message}"


def validate_event(envelope: dict[str, Any]) -> None:
    """Raise ``ContractViolation`` unless ``envelope`` matches the schema of its ``type``."""
    if not isinstance(envelope, dict):
        raise ContractViolation(f"An event envelope is a JSON object, not {type(envelope).__name__}")
    event_type = envelope.get("type")
    if not isinstance(event_type, str):
        raise ContractViolation(f"Envelope has no string 'type' (got {event_type!r})")
    validator = validator_for(event_type)
    errors = sorted(validator.iter_errors(envelope), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        lines = "\n".join(_describe(e) for e in errors)
        raise ContractViolation(
            f"{event_type} event {envelope.get('id')!r} breaks {dataschema_urn(event_type)} "
            f"({len(errors)} problem(s)):\n{lines}"
        )


def load_sample(event_type: str) -> dict[str, Any]:
    return read_json(SAMPLES_DIR / f"{event_type}.json")


def sample_types() -> set[str]:
    return {p.name.removesuffix(".json") for p in SAMPLES_DIR.glob("*.json")}


def function_event_names() -> list[str]:
    return sorted(p.name.removesuffix(".json") for p in FUNCTION_EVENTS_DIR.glob("*.json"))


def load_function_event(name: str) -> dict[str, Any]:
    """A sample invocation event from ``events/functions/<name>.json`` (``name`` with or without ``.json``)."""
    path = FUNCTION_EVENTS_DIR / f"{name.removesuffix('.json')}.json"
    if not path.is_file():
        raise FileNotFoundError(f"No function event {name!r}; there are: {', '.join(function_event_names())}")
    return read_json(path)


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def emitted_event_types(code_dir: Path = CODE_DIR) -> dict[str, list[str]]:
    """Event types the code emits, each with where: string literals given as the first argument of
    ``_event(...)`` or as ``type`` (keyword or first positional) of ``DomainEvent(...)``."""
    found: dict[str, list[str]] = {}
    for path in sorted(code_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            candidates: list[ast.expr] = []
            if name == "_event" and node.args:
                candidates.append(node.args[0])
            elif name == "DomainEvent":
                candidates.extend(k.value for k in node.keywords if k.arg == "type")
                candidates.extend(node.args[:1])
            for candidate in candidates:
                event_type = _literal(candidate)
                if event_type is not None:
                    found.setdefault(event_type, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


# Public events (what customers receive: doc/webhooks.md) ----------------------------------------


def public_schema_urn(public_type: str, version: int = 1) -> str:
    return f"urn:gpuaas:public:{public_type}:v{version}"


def public_types_with_schemas() -> set[str]:
    """The public types that have a schema file ``events/public/<type>.json``."""
    return {p.name.removesuffix(".json") for p in PUBLIC_SCHEMAS_DIR.glob("*.json")}


@cache
def public_validator_for(public_type: str) -> Validator:
    path = PUBLIC_SCHEMAS_DIR / f"{public_type}.json"
    if not path.is_file():
        raise ContractViolation(f"No public schema for {public_type!r}: add events/public/{public_type}.json")
    return StrictValidator(read_json(path), registry=registry(), format_checker=FormatChecker())


def validate_public_event(body: Any) -> None:
    """Raise ``ContractViolation`` unless ``body`` (a webhook delivery's JSON body, an event feed entry)
    is a public event that matches the schema of its ``type``: the Standard Webhooks shape
    ``{"id", "type", "timestamp", "data"}`` with that type's strict ``data``."""
    if not isinstance(body, dict):
        raise ContractViolation(f"A public event is a JSON object, not {type(body).__name__}")
    public_type = body.get("type")
    if not isinstance(public_type, str):
        raise ContractViolation(f"Public event has no string 'type' (got {public_type!r})")
    validator = public_validator_for(public_type)
    errors = sorted(validator.iter_errors(body), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        lines = "\n".join(_describe(e) for e in errors)
        raise ContractViolation(
            f"public {public_type} event {body.get('id')!r} breaks {public_schema_urn(public_type)} "
            f"({len(errors)} problem(s)):\n{lines}"
        )
