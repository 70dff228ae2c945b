"""Event contracts: schemas, samples and the AsyncAPI catalog agree with each other and with the code."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from chalicelib.audit.models import Actor
from chalicelib.core.events import DomainEvent, dataschema_for, envelope
from chalicelib.core.ids import new_id
from chalicelib.inventory.commands import CreateNode, CreateOsImage, CreateSku, UpdateSku
from chalicelib.inventory.models import (
    NODE_ACTIVE,
    OS_IMAGE_AVAILABLE,
    SKU_ACTIVE,
    SKU_RETIRED,
    Node,
    OsImage,
    Sku,
    partition_into_slots,
)
from chalicelib.inventory.payloads import node_event_data, os_image_event_data, sku_event_data
from chalicelib.inventory.service import InventoryService
from tests.support.contracts import (
    ASYNCAPI_PATH,
    EVENTS_DIR,
    ContractViolation,
    emitted_event_types,
    event_types_with_schemas,
    load_sample,
    read_json,
    sample_types,
    schema_files,
    validate_event,
)

ACTOR = Actor(user_id="usr_ops", org_id="org_ops", role="owner", operator=True, request_id="req-test")


pytestmark = pytest.mark.unit

TYPES = sorted(event_types_with_schemas())
AT = datetime(2026, 11, 26, 9, 14, 3, 512000, tzinfo=UTC)


# Schemas, samples, catalog ------------------------------------------------------------------


@pytest.mark.parametrize("path", schema_files(), ids=lambda p: p.name)
def test_every_schema_is_a_valid_2020_12_schema(path: Path):
    schema = read_json(path)
    assert schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("event_type", TYPES)
def test_an_event_schema_is_named_after_its_type_and_identified_by_its_dataschema(event_type: str):
    schema = read_json(EVENTS_DIR / "schemas" / f"{event_type}.json")
    assert schema["$id"] == dataschema_for(event_type)
    assert schema["properties"]["type"] == {"const": event_type}
    assert schema["properties"]["dataschema"] == {"const": dataschema_for(event_type)}
    assert schema["properties"]["data"].get("additionalProperties") is False


@pytest.mark.parametrize("event_type", TYPES)
def test_every_sample_validates_against_its_schema(event_type: str):
    sample = load_sample(event_type)
    assert sample["type"] == event_type
    validate_event(sample)


def test_every_sample_has_a_schema_and_every_schema_a_sample():
    assert sample_types() == event_types_with_schemas()


def test_every_event_type_the_code_emits_has_a_schema_and_a_sample():
    emitted = emitted_event_types()
    # The scan itself must work: these are emitted today.
    assert {"sku.created", "sku.updated", "sku.retired", "os_image.created", "node.created"} <= set(emitted)
    missing = {t: where for t, where in emitted.items() if t not in event_types_with_schemas()}
    assert not missing, f"Emitted without events/schemas/<type>.json: {missing}"
    without_sample = set(emitted) - sample_types()
    assert not without_sample, f"Emitted without events/samples/<type>.json: {sorted(without_sample)}"


def test_no_schema_describes_an_event_nothing_emits():
    stale = event_types_with_schemas() - set(emitted_event_types())
    assert not stale, f"Schemas for events no code emits (remove them or emit the event): {sorted(stale)}"


def _asyncapi() -> dict[str, Any]:
    return yaml.safe_load(ASYNCAPI_PATH.read_text(encoding="utf-8"))


def _resolve_local(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_asyncapi_catalog_lists_every_event_type_with_its_schema_file():
    doc = _asyncapi()
    assert doc["asyncapi"].startswith("3.")
    messages = doc["components"]["messages"]
    assert {m["name"] for m in messages.values()} == event_types_with_schemas()
    for key, message in messages.items():
        payload = message["payload"]
        ref = payload["schema"]["$ref"] if "schema" in payload else payload["$ref"]
        target = (ASYNCAPI_PATH.parent / ref).resolve()
        assert target.is_file(), f"message {key}: payload {ref} is not a file"
        assert read_json(target)["$id"] == dataschema_for(message["name"])
        assert (ASYNCAPI_PATH.parent / message["x-sample"]).is_file()


def test_asyncapi_channels_carry_every_message_and_operations_point_at_them():
    doc = _asyncapi()
    channels = doc["channels"]
    assert {"eventBus", "eventsArchiveQueue"} <= set(channels)
    assert channels["eventsArchiveQueue"]["title"] == "EventsArchiveQueue"
    for name in ("eventBus", "eventsArchiveQueue"):
        carried = {_resolve_local(doc, m["$ref"])["name"] for m in channels[name]["messages"].values()}
        assert carried == event_types_with_schemas(), name
    for name, operation in doc["operations"].items():
        assert operation["action"] in {"send", "receive"}, name
        channel = _resolve_local(doc, operation["channel"]["$ref"])
        assert channel in channels.values(), name
        for message in operation.get("messages", []):
            assert _resolve_local(doc, message["$ref"]) is not None


# The validator rejects what the contract forbids ----------------------------------------------


def _broken(event_type: str, path: list[str], value: Any = None, *, delete: bool = False) -> dict[str, Any]:
    event = copy.deepcopy(load_sample(event_type))
    node = event
    for part in path[:-1]:
        node = node[part]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return event


@pytest.mark.parametrize(
    ("event", "complaint"),
    [
        pytest.param(
            _broken("sku.created", ["data", "sku", "price_per_hour_micros"], 2.49), "integer", id="float-price"
        ),
        pytest.param(
            _broken("sku.created", ["data", "sku", "price_per_hour_micros"], 19920000.0), "integer", id="integral-float"
        ),
        pytest.param(_broken("sku.created", ["data", "sku", "gpus"], "8"), "integer", id="string-count"),
        pytest.param(_broken("sku.created", ["data", "sku", "gpus"], True), "integer", id="bool-count"),
        pytest.param(_broken("sku.created", ["data", "sku", "region"], delete=True), "required", id="missing-field"),
        pytest.param(_broken("node.created", ["data", "node", "slots"], []), "Additional", id="extra-entity-field"),
        pytest.param(_broken("sku.updated", ["data", "note"], "x"), "Additional", id="extra-data-field"),
        pytest.param(_broken("sku.retired", ["traceparent"], "00-ab-cd-01"), "Additional", id="extra-envelope-field"),
        pytest.param(_broken("sku.created", ["time"], "2026-11-26T09:14:03Z"), "time", id="time-without-ms"),
        pytest.param(_broken("sku.created", ["time"], "2026-13-26T09:14:03.512Z"), "date-time", id="impossible-date"),
        pytest.param(_broken("sku.created", ["id"], "evt_123"), "id", id="bad-id"),
        pytest.param(_broken("sku.created", ["subject"], load_sample("node.created")["subject"]), "subject", id="subj"),
        pytest.param(_broken("sku.created", ["source"], "gpuaas.billing"), "source", id="wrong-source"),
        pytest.param(_broken("sku.created", ["dataschema"], "urn:gpuaas:events:sku.created:v2"), "dataschema", id="v2"),
        pytest.param(_broken("sku.created", ["data", "sku", "status"], SKU_RETIRED), "status", id="created-retired"),
        pytest.param(_broken("sku.updated", ["data", "changed_fields"], ["region"]), "changed_fields", id="immutable"),
        pytest.param(_broken("sku.updated", ["data", "changed_fields"], []), "changed_fields", id="no-change"),
        pytest.param(_broken("sku.capacity_corrected", ["data", "after", "free_slots"], -1), "free_slots", id="neg"),
        pytest.param(
            _broken("os_image.created", ["data", "os_image", "cuda_version"], 12.4), "cuda_version", id="cuda"
        ),
    ],
)
def test_the_contract_rejects(event: dict[str, Any], complaint: str):
    with pytest.raises(ContractViolation) as excinfo:
        validate_event(event)
    assert complaint in str(excinfo.value)
    assert event["type"] in str(excinfo.value)


def test_an_unknown_event_type_is_a_failure():
    event = load_sample("sku.created") | {"type": "sku.teleported"}
    with pytest.raises(ContractViolation, match=r"No schema for event type 'sku.teleported'"):
        validate_event(event)


@pytest.mark.parametrize("event", [None, [], {"id": "evt_x"}, {"type": 3}])
def test_something_that_is_not_an_envelope_is_a_failure(event: Any):
    with pytest.raises(ContractViolation):
        validate_event(event)


def test_the_error_message_says_where_and_what():
    event = _broken("sku.created", ["data", "sku", "price_per_hour_micros"], 2.49)
    with pytest.raises(ContractViolation) as excinfo:
        validate_event(event)
    message = str(excinfo.value)
    assert "/data/sku/price_per_hour_micros" in message
    assert "urn:gpuaas:events:sku.created:v1" in message
    assert event["id"] in message


# Events built by the real code validate ------------------------------------------------------


def _h100(**overrides: Any) -> Sku:
    fields: dict[str, Any] = dict(
        id=new_id("sku"),
        name="h100-80gb-sxm-x8",
        gpu_model="H100-80GB-SXM",
        gpus=8,
        vcpus=208,
        ram_gib=1800,
        disk_gib=30000,
        region="us-east-1",
        price_per_hour_micros=19_920_000,
        currency="USD",
        status=SKU_ACTIVE,
        created_at="2026-11-26T09:14:03.512Z",
        updated_at="2026-11-26T09:14:03.512Z",
    )
    fields.update(overrides)
    return Sku(**fields)


def _wire(event: DomainEvent) -> dict[str, Any]:
    """The envelope as a consumer sees it: through JSON, as the outbox and EventBridge carry it."""
    return json.loads(json.dumps(envelope(event, source_prefix="gpuaas", time=AT)))


def _inventory_events() -> list[DomainEvent]:
    sku = _h100()
    a100 = _h100(name="a100-80gb-sxm-x4", gpu_model="A100-80GB-SXM", gpus=4, vcpus=120, price_per_hour_micros=5_160_000)
    updated, changed = a100.with_changes(
        {"price_per_hour_micros": 4_760_000, "name": "a100-80gb-x4"}, now="2026-11-26T10:00:00.000Z"
    )
    retired, _ = _h100(name="l40s-48gb-x1", gpu_model="L40S-48GB-PCIe", gpus=1, currency="EUR").with_changes(
        {"status": SKU_RETIRED}, now="2026-11-26T11:00:00.000Z"
    )
    image = OsImage(
        id=new_id("img"),
        name="ubuntu-22-04-cuda-12-4",
        family="ubuntu",
        version="22.04",
        container_image="nvidia/cuda:12.4.1-runtime-ubuntu22.04",
        status=OS_IMAGE_AVAILABLE,
        created_at="2026-11-26T09:20:00.000Z",
        cuda_version="12.4",
    )
    bare_image = OsImage(
        id=new_id("img"),
        name="rocky-9",
        family="rocky",
        version="9.4",
        container_image="rockylinux:9.4",
        status=OS_IMAGE_AVAILABLE,
        created_at="2026-11-26T09:21:00.000Z",
    )
    node_id = new_id("node")
    slots = partition_into_slots(node_id, sku, 8)
    node = Node(
        id=node_id,
        hostname="gpu-h100-017.use1.fleet",
        sku_id=sku.id,
        region=sku.region,
        gpu_model=sku.gpu_model,
        gpu_count=8,
        slot_count=len(slots),
        status=NODE_ACTIVE,
        created_at="2026-11-26T09:31:44.178Z",
        slots=slots,
    )
    inventory = "inventory"
    return [
        DomainEvent(type="sku.created", subject=sku.id, data={"sku": sku_event_data(sku)}, context=inventory),
        DomainEvent(
            type="sku.updated",
            subject=updated.id,
            data={"sku": sku_event_data(updated), "changed_fields": changed},
            context=inventory,
        ),
        DomainEvent(type="sku.retired", subject=retired.id, data={"sku": sku_event_data(retired)}, context=inventory),
        DomainEvent(
            type="sku.capacity_corrected",
            subject=sku.id,
            data={
                "sku_id": sku.id,
                "before": {"total_slots": 1, "free_slots": 0},
                "after": {"total_slots": 1, "free_slots": 1},
            },
            context=inventory,
        ),
        DomainEvent(
            type="os_image.created", subject=image.id, data={"os_image": os_image_event_data(image)}, context=inventory
        ),
        DomainEvent(
            type="os_image.created",
            subject=bare_image.id,
            data={"os_image": os_image_event_data(bare_image)},
            context=inventory,
        ),
        DomainEvent(type="node.created", subject=node.id, data={"node": node_event_data(node)}, context=inventory),
    ]


@pytest.mark.parametrize("event", _inventory_events(), ids=lambda e: e.type)
def test_events_built_from_the_real_domain_objects_validate(event: DomainEvent):
    validate_event(_wire(event))
    validate_event(envelope(event, source_prefix="gpuaas", time=AT))  # and before serialisation


def test_events_emitted_by_the_inventory_service_validate():
    """Drive the real use cases over the in-memory fakes and validate every event they emit."""
    from tests.fakes.clock import FakeClock
    from tests.fakes.inventory import FakeReader, FakeUnitOfWork, InMemoryStore

    store = InMemoryStore()
    service = InventoryService(FakeReader(store), lambda: FakeUnitOfWork(store), FakeClock(AT))
    sku = service.create_sku(
        ACTOR,
        CreateSku(
            name="h100-80gb-sxm-x1",
            gpu_model="H100-80GB-SXM",
            gpus=1,
            vcpus=26,
            ram_gib=225,
            disk_gib=2000,
            region="us-east-1",
            price_per_hour_micros=2_490_000,
            currency="USD",
        ),
    )
    service.update_sku(ACTOR, sku.id, UpdateSku(price_per_hour_micros=2_190_000, vcpus=24), expected_version=1)
    service.create_node(
        ACTOR, CreateNode(hostname="gpu-h100-001.use1.fleet", sku_id=sku.id, gpu_model="H100-80GB-SXM", gpu_count=8)
    )
    service.create_os_image(
        ACTOR,
        CreateOsImage(
            name="ubuntu-22-04",
            family="ubuntu",
            version="22.04",
            container_image="nvidia/cuda:12.4.1-runtime-ubuntu22.04",
            cuda_version="12.4",
        ),
    )
    service.retire_sku(ACTOR, sku.id, expected_version=None)
    emitted = [_wire(e) for e in store.outbox]
    assert [e["type"] for e in emitted] == [
        "sku.created",
        "sku.updated",
        "node.created",
        "os_image.created",
        "sku.retired",
    ]
    for event in emitted:
        validate_event(event)


def test_events_emitted_by_the_payments_service_validate():
    """The payment use cases over their fakes: what payments itself announces matches its schema."""
    from chalicelib.payments.models import CheckoutCompleted, PaymentFailed
    from chalicelib.payments.service import PaymentsService
    from tests.fakes.clock import FakeClock
    from tests.fakes.payments import FakeGateway, FakePaymentReader, FakePaymentUnitOfWork, FakeWallets, PaymentStore

    store, clock, gateway = PaymentStore(), FakeClock(AT), FakeGateway()
    service = PaymentsService(
        FakePaymentReader(store), lambda: FakePaymentUnitOfWork(store), gateway, FakeWallets(store, clock), clock
    )
    org_id = new_id("org")
    opened = service.checkout(org_id, 12_000_000, success_url="https://a.example/ok", cancel_url="https://a.example/no")
    metadata = {"org_id": org_id, "payment_id": opened.payment_id}
    for failure_code, failure_message in (("card_declined", "Your card was declined."), (None, None)):
        failed = PaymentFailed(
            new_id("evt"), "payment_intent.payment_failed", "pi_1", metadata, failure_code, failure_message
        )
        assert service.handle_webhook(*gateway.sign(failed)).outcome == "recorded"
    paid = CheckoutCompleted(
        new_id("evt"),
        "checkout.session.completed",
        opened.checkout_session_id,
        metadata,
        "pi_1",
        org_id,
        "usd",
        True,
        True,
        1200,
    )
    assert service.handle_webhook(*gateway.sign(paid)).outcome == "credited"
    announced = [_wire(e) for e in store.outbox if e.context == "payments"]
    assert [e["type"] for e in announced] == ["payment.failed", "payment.failed"]
    for event in announced:
        validate_event(event)


def test_events_emitted_by_the_billing_service_validate():
    """Every billing event type, from the real use cases over the in-memory fakes."""
    from dataclasses import replace

    from chalicelib.billing.models import TOPUP, BillingPolicy, Meter
    from chalicelib.billing.service import BillingService
    from chalicelib.core.clock import isoformat
    from tests.fakes.billing import BillingStore, FakeBillingReader, FakeBillingUnitOfWork, FakeReleaser
    from tests.fakes.clock import FakeClock

    org = new_id("org")
    clock = FakeClock(AT)
    store = BillingStore(policy=BillingPolicy(welcome_credit_micros=2_000, version=1))
    service = BillingService(
        FakeBillingReader(store), lambda: FakeBillingUnitOfWork(store), clock, FakeReleaser(store, clock), shards=1
    )
    service.wallet(org)  # billing.credited (the welcome credit)
    allocation_id = new_id("alc")
    store.open_meter(Meter(allocation_id, org, new_id("sku"), 3_600_000, "USD", isoformat(clock.now())))
    service.settle(allocation_id, AT + timedelta(seconds=5))  # low_balance x2, balance_depleted
    clock.advance(3600)
    service.enforce_depletion(clock.now())  # force_released
    service.credit(org, "topup:pay_1", TOPUP, 50_000_000, description="Top-up")  # credited, restored
    service.credit(org, "refund:re_1", "refund", -1_000_000, description="Refund", actor=ACTOR)  # debited
    service.freeze(org, "dispute")
    service.freeze(org, None)
    service.set_policy(ACTOR, {"grace_seconds": 60}, expected_version=1)
    store.wallets[org] = replace(store.wallets[org], balance_micros=store.wallets[org].balance_micros + 7)
    service.reconcile()  # drift_detected
    emitted = [_wire(e) for e in store.outbox]
    # allocation.expiring is billing's too: the runway it announces is the wallet's.
    assert {e["type"] for e in emitted} == {t for t in TYPES if t.startswith("billing.")} | {"allocation.expiring"}
    for event in emitted:
        validate_event(event)


def test_events_emitted_by_the_identity_and_ssh_key_services_validate():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from chalicelib.identity.models import VerifiedIdentity
    from chalicelib.identity.service import IdentityService
    from chalicelib.sshkeys.service import SshKeyService
    from tests.fakes.clock import FakeClock
    from tests.fakes.identity import (
        FakeApiKeyToucher,
        FakeIdentityReader,
        FakeIdentityUnitOfWork,
        FakeSigner,
        IdentityStore,
    )
    from tests.fakes.sshkeys import FakeSshKeyReader, FakeSshKeyUnitOfWork, SshKeyStore

    clock = FakeClock(AT)
    store = IdentityStore()
    identity = IdentityService(
        FakeIdentityReader(store),
        lambda: FakeIdentityUnitOfWork(store),
        FakeSigner(),
        FakeApiKeyToucher(store),
        clock,
        access_ttl_seconds=900,
        refresh_ttl_seconds=3600,
        api_key_touch_seconds=60,
        api_key_max_ttl_days=30,
    )

    def person(name: str) -> VerifiedIdentity:
        return VerifiedIdentity("https://idp.example", name, f"{name}@example.com", name.title())

    owner = identity.sign_in(person("olga"))  # user.created, org.created, member.added
    actor = Actor(owner.user_id, owner.org_id, "owner", False, "req-test")
    bob = identity.sign_in(person("bob")).user_id
    identity.add_member(actor, bob, "admin")
    key, _ = identity.create_api_key(actor, name="ci", scopes=("read",), expires_in_days=7)
    identity.change_role(actor, bob, "viewer")
    identity.remove_member(actor, bob)
    identity.revoke_api_key(actor, key.id)
    identity.logout_everywhere(owner.user_id, actor)
    identity.dev_sign_in(person("dev"), org_slug="dev-org", role="operator")

    keys = SshKeyStore()
    ssh = SshKeyService(FakeSshKeyReader(keys), lambda: FakeSshKeyUnitOfWork(keys), clock, rsa_min_bits=2048)
    line = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    )
    ssh_key = ssh.add(actor, "laptop", line.decode() + " olga@laptop")
    ssh.delete(actor, ssh_key.id)

    emitted = [_wire(e) for e in store.outbox + keys.outbox]
    prefixes = ("user.", "org.", "member.", "api_key.", "session.", "ssh_key.")
    assert {e["type"] for e in emitted} == {t for t in TYPES if t.startswith(prefixes)}
    for event in emitted:
        validate_event(event)
