"""The sample invocation events in events/functions/ are what the handlers really take.

Each worker sample goes through the handler's own parsing (``envelope_of``) and then through the
whole handler with its service swapped for an in-memory one (no AWS); the envelopes that come out
must match the event contracts. The API samples must be API Gateway REST proxy events that
Chalice can turn into a ``Request`` and route.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import SQSEvent
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBStreamEvent
from chalice.app import Request

from chalicelib import bootstrap
from chalicelib.eventlog.service import EventLogService
from chalicelib.outbox.relay import OutboxRelay
from tests.fakes.eventlog import FakeEventLog
from tests.fakes.outbox import FakePublisher
from tests.support.contracts import ROOT, function_event_names, load_function_event, validate_event

pytestmark = pytest.mark.unit

ALLOCATION_ID = r"alc_[0-9a-hjkmnp-tv-z]{26}"

API_EVENTS = {
    "api_get_skus": ("GET", "/v1/skus"),
    "api_post_admin_sku": ("POST", "/v1/admin/skus"),
}
WORKER_EVENTS = {
    "outbox_relay_stream",
    "events_archive_sqs",
    "event_feed_sqs",
    "catalog_reconcile_schedule",
    "node_health_schedule",
    "billing_sweep_schedule",
    "billing_settle_sqs",
    "billing_reconcile_schedule",
    "allocation_workflow_step",
    "terminal_connect",
    "terminal_default",
    "terminal_disconnect",
    "terminal_close_sqs",
    "notifications_sqs",
}


@dataclass
class FakeLambdaContext:
    function_name: str = "gpuaas-test-fn"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:gpuaas-test-fn"
    aws_request_id: str = "5f0d9f1c-2b3a-4c5d-8e7f-9a0b1c2d3e4f"
    log_group_name: str = "/aws/lambda/gpuaas-test-fn"
    log_stream_name: str = "2026/11/26/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def test_every_function_event_file_is_covered_here():
    assert set(function_event_names()) == set(API_EVENTS) | WORKER_EVENTS


def test_load_function_event_names_the_available_files_when_one_is_missing():
    assert load_function_event("api_get_skus.json") == load_function_event("api_get_skus")
    with pytest.raises(FileNotFoundError, match="outbox_relay_stream"):
        load_function_event("no_such_event")


# Outbox relay: DynamoDB stream -> EventBridge ------------------------------------------------


def test_outbox_stream_sample_is_a_realistic_stream_batch():
    records = load_function_event("outbox_relay_stream")["Records"]
    assert len(records) == 2
    for raw in records:
        assert raw["eventName"] == "INSERT"
        assert raw["eventSource"] == "aws:dynamodb"
        assert raw["eventSourceARN"].startswith("arn:aws:dynamodb:")
        assert "/stream/" in raw["eventSourceARN"]
        ddb = raw["dynamodb"]
        assert {
            "Keys",
            "NewImage",
            "SequenceNumber",
            "SizeBytes",
            "StreamViewType",
            "ApproximateCreationDateTime",
        } <= set(ddb)
        image = ddb["NewImage"]
        event_id = json.loads(image["envelope"]["S"])["id"]
        assert ddb["Keys"] == {"PK": {"S": f"OUTBOX#{event_id}"}, "SK": {"S": "OUTBOX"}}
        assert image["type"] == {"S": "outbox"}
        assert image["event_type"]["S"] == json.loads(image["envelope"]["S"])["type"]
        assert int(image["ttl"]["N"]) > ddb["ApproximateCreationDateTime"]


def test_outbox_relay_envelope_of_reads_valid_envelopes_from_the_stream_sample():
    from functions.outbox_relay import envelope_of

    event = DynamoDBStreamEvent(load_function_event("outbox_relay_stream"))
    envelopes = [envelope_of(record) for record in event.records]
    assert len(envelopes) == 2
    for envelope in envelopes:
        validate_event(envelope)


def test_outbox_relay_handler_publishes_every_sample_record(monkeypatch):
    from functions import outbox_relay

    publisher = FakePublisher()
    relay = OutboxRelay(publisher)
    monkeypatch.setattr(bootstrap, "outbox_relay", lambda: relay)
    result = outbox_relay.handler(load_function_event("outbox_relay_stream"), FakeLambdaContext())
    assert result == {"batchItemFailures": []}
    assert [e["type"] for e in publisher.published] == ["sku.created", "node.created"]
    for envelope in publisher.published:
        validate_event(envelope)


# Events archive: SQS (EventBridge event as body) -> event log ---------------------------------


def test_archive_sqs_sample_wraps_an_eventbridge_event_around_each_envelope():
    records = load_function_event("events_archive_sqs")["Records"]
    assert len(records) == 2
    for raw in records:
        assert raw["eventSource"] == "aws:sqs"
        assert raw["eventSourceARN"].endswith("-events-archive")
        message = json.loads(raw["body"])
        assert message["detail-type"] == message["detail"]["type"]
        assert message["source"] == message["detail"]["source"]
        assert {"version", "id", "account", "time", "region", "resources"} <= set(message)


def test_events_archive_envelope_of_reads_valid_envelopes_from_the_sqs_sample():
    from functions.events_archive import envelope_of

    event = SQSEvent(load_function_event("events_archive_sqs"))
    envelopes = [envelope_of(record) for record in event.records]
    assert len(envelopes) == 2
    for envelope in envelopes:
        validate_event(envelope)


def test_events_archive_handler_files_every_sample_record_once(monkeypatch):
    from functions import events_archive

    log = FakeEventLog()
    service = EventLogService(log)
    monkeypatch.setattr(bootstrap, "event_log_service", lambda: service)
    sample = load_function_event("events_archive_sqs")
    assert events_archive.handler(sample, FakeLambdaContext()) == {"batchItemFailures": []}
    assert events_archive.handler(sample, FakeLambdaContext()) == {"batchItemFailures": []}  # redelivery
    assert sorted(e["type"] for e in log.envelopes()) == ["os_image.created", "sku.updated"]
    for envelope in log.envelopes():
        validate_event(envelope)


# Event feed: SQS (the public events' internal types) -> each org's feed ------------------------


def test_event_feed_handler_appends_each_public_event_once_and_fails_only_a_bad_record(monkeypatch):
    from chalicelib.feed.models import PLATFORM_FEED, FeedLimits
    from chalicelib.feed.service import EventFeedService
    from functions import event_feed
    from tests.fakes.clock import FakeClock
    from tests.fakes.feed import FakeEventFeed

    store = FakeEventFeed()
    limits = FeedLimits(retention_seconds=86400, wait_max_seconds=20, poll_seconds=0.5)
    monkeypatch.setattr(bootstrap, "event_feed_service", lambda: EventFeedService(store, FakeClock(), limits))
    sample = load_function_event("event_feed_sqs")
    assert sample["Records"][0]["eventSourceARN"].endswith("-event-feed")
    assert event_feed.handler(sample, FakeLambdaContext()) == {"batchItemFailures": []}
    assert event_feed.handler(sample, FakeLambdaContext()) == {"batchItemFailures": []}  # redelivery: nothing new
    org = json.loads(sample["Records"][0]["body"])["detail"]["data"]["org_id"]
    assert [e.type for e in store.feeds[org]] == ["allocation.active", "balance.low"]
    assert [e.type for e in store.feeds[PLATFORM_FEED]] == ["node.drained"]
    broken = {"Records": [{**sample["Records"][0], "body": "{}", "messageId": "bad"}, sample["Records"][1]]}
    assert event_feed.handler(broken, FakeLambdaContext()) == {"batchItemFailures": [{"itemIdentifier": "bad"}]}


# Catalog reconcile: EventBridge schedule -----------------------------------------------------


def test_catalog_reconcile_sample_is_a_scheduled_event():
    event = load_function_event("catalog_reconcile_schedule")
    assert event["source"] == "aws.events"
    assert event["detail-type"] == "Scheduled Event"
    assert event["detail"] == {}
    assert event["resources"][0].startswith("arn:aws:events:")
    assert ":rule/gpuaas-" in event["resources"][0]


def test_catalog_reconcile_handler_takes_the_scheduled_event(monkeypatch):
    from chalicelib.inventory.service import InventoryService
    from functions import catalog_reconcile
    from tests.fakes.clock import FakeClock
    from tests.fakes.inventory import FakeReader, FakeUnitOfWork, InMemoryStore

    store = InMemoryStore()
    service = InventoryService(FakeReader(store), lambda: FakeUnitOfWork(store), FakeClock())
    monkeypatch.setattr(bootstrap, "inventory_service", lambda: service)
    result = catalog_reconcile.handler(load_function_event("catalog_reconcile_schedule"), FakeLambdaContext())
    assert result == {"corrected": []}


# Node health: EventBridge schedule -------------------------------------------------------------


def test_node_health_handler_sweeps_at_the_schedule_time(monkeypatch):
    from datetime import datetime

    from functions import node_health

    event = load_function_event("node_health_schedule")
    assert event["detail-type"] == "Scheduled Event" and ":rule/gpuaas-" in event["resources"][0]
    seen: list[datetime] = []

    class Fleet:
        def sweep_health(self, now: datetime) -> dict[str, str]:
            seen.append(now)
            return {}

    monkeypatch.setattr(bootstrap, "fleet_service", lambda: Fleet())
    assert node_health.handler(event, FakeLambdaContext()) == {"changed": {}}
    assert seen == [datetime.fromisoformat(event["time"].replace("Z", "+00:00"))]


# Billing sweep: EventBridge schedule -> settlement batches on SQS ------------------------------


class RecordingSettlementQueue:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, messages: list[dict[str, Any]]) -> int:
        self.sent.extend(messages)
        return -(-len(messages) // 10)  # SendMessageBatch takes ten at a time


class SweptBilling:
    """Open meters in two shards (250 ids in one, 1 in the other); records when depletion was enforced."""

    def __init__(self) -> None:
        self.shard_ids = {0: [f"alc_{i:026d}" for i in range(250)], 1: ["alc_" + "z" * 26]}
        self.enforced: list[Any] = []

    @staticmethod
    def period_end(moment: Any) -> Any:
        from chalicelib.billing.service import BillingService

        return BillingService.period_end(moment)

    def shards(self) -> range:
        return range(2)

    def open_meters(self, shard: int, limit: int, cursor: str | None) -> Any:
        from chalicelib.core.page import Page

        ids = self.shard_ids[shard]
        start = int(cursor or 0)
        end = start + min(limit, 200)  # pages, as DynamoDB does
        return Page(ids[start:end], str(end) if end < len(ids) else None)

    def enforce_depletion(self, now: Any) -> list[str]:
        self.enforced.append(now)
        return []


def test_billing_sweep_handler_settles_the_minute_of_the_schedule_time(monkeypatch):
    from datetime import UTC, datetime

    from chalicelib.core.settings import get_settings
    from functions import billing_sweep

    event = load_function_event("billing_sweep_schedule")
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"][0].endswith(":rule/gpuaas-prod-billing-sweep")
    billing, queue = SweptBilling(), RecordingSettlementQueue()
    monkeypatch.setattr(bootstrap, "billing_service", lambda: billing)
    monkeypatch.setattr(billing_sweep, "SqsSettlementQueue", lambda: queue)
    result = billing_sweep.handler(event, FakeLambdaContext())
    scheduled = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    assert billing.enforced == [scheduled] == [datetime(2026, 11, 26, 12, 5, tzinfo=UTC)]
    size = get_settings().settlement_batch_size
    assert {m["period_end"] for m in queue.sent} == {"2026-11-26T12:05:00.000Z"}
    assert all(0 < len(m["allocation_ids"]) <= size for m in queue.sent)
    swept = [i for m in queue.sent for i in m["allocation_ids"]]
    assert swept == billing.shard_ids[0] + billing.shard_ids[1]  # every open meter once
    assert result == {
        "period_end": "2026-11-26T12:05:00.000Z",
        "meters": 251,
        "batches": len(queue.sent),
        "sqs_requests": -(-len(queue.sent) // 10),
        "force_released": [],
    }
    # The period ends at the scheduled time floored to its minute.
    queue.sent.clear()
    late = billing_sweep.handler({**event, "time": "2026-11-26T12:05:59Z"}, FakeLambdaContext())
    assert late["period_end"] == "2026-11-26T12:05:00.000Z"
    assert {m["period_end"] for m in queue.sent} == {"2026-11-26T12:05:00.000Z"}


# Billing settle: SQS (a batch of allocation ids per message) -> settlement ---------------------


def test_billing_settle_sample_carries_a_batch_per_message():
    records = load_function_event("billing_settle_sqs")["Records"]
    assert len(records) == 2
    for raw in records:
        assert raw["eventSource"] == "aws:sqs"
        assert raw["eventSourceARN"].endswith(":gpuaas-prod-settlement")
        body = json.loads(raw["body"])
        assert set(body) == {"period_end", "allocation_ids"}
        assert body["period_end"] == "2026-11-26T12:05:00.000Z"
        assert body["allocation_ids"] and all(re.fullmatch(ALLOCATION_ID, i) for i in body["allocation_ids"])


class SettlingBilling:
    def __init__(self, failing: set[str] = frozenset()) -> None:
        self.settled: list[tuple[str, Any]] = []
        self.failing = failing

    def settle(self, allocation_id: str, until: Any) -> Any:
        from chalicelib.billing.models import Settlement

        if allocation_id in self.failing:
            raise ConnectionError("DynamoDB unreachable")
        self.settled.append((allocation_id, until))
        return Settlement(allocation_id, settled_seconds=60, micros=332_000)


def test_billing_settle_handler_settles_every_allocation_of_every_batch_up_to_its_period_end(monkeypatch):
    from datetime import UTC, datetime

    from functions import billing_settle

    sample = load_function_event("billing_settle_sqs")
    billing = SettlingBilling()
    monkeypatch.setattr(bootstrap, "billing_service", lambda: billing)
    assert billing_settle.handler(sample, FakeLambdaContext()) == {"batchItemFailures": []}
    expected = [i for r in sample["Records"] for i in json.loads(r["body"])["allocation_ids"]]
    assert [a for a, _ in billing.settled] == expected
    assert {until for _, until in billing.settled} == {datetime(2026, 11, 26, 12, 5, tzinfo=UTC)}


def test_billing_settle_handler_reports_only_the_failed_batch_for_redelivery(monkeypatch):
    from functions import billing_settle

    sample = load_function_event("billing_settle_sqs")
    last = sample["Records"][-1]
    billing = SettlingBilling(failing={json.loads(last["body"])["allocation_ids"][0]})
    monkeypatch.setattr(bootstrap, "billing_service", lambda: billing)
    result = billing_settle.handler(sample, FakeLambdaContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": last["messageId"]}]}


# Billing reconcile: EventBridge schedule -------------------------------------------------------


def test_billing_reconcile_handler_takes_the_scheduled_event_and_reports_drifts(monkeypatch):
    from functions import billing_reconcile

    event = load_function_event("billing_reconcile_schedule")
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"][0].endswith(":rule/gpuaas-prod-billing-reconcile")
    from chalicelib.billing.models import Drift

    drift = {"org_id": "org_" + "4" * 26, "balance_micros": 1, "ledger_total_micros": 0, "drift_micros": 1}

    class Reconciling:
        def __init__(self, drifts: list[Drift]) -> None:
            self.drifts = drifts

        def reconcile(self) -> list[Drift]:
            return self.drifts

    monkeypatch.setattr(bootstrap, "billing_service", lambda: Reconciling([]))
    assert billing_reconcile.handler(event, FakeLambdaContext()) == {"drifts": []}
    monkeypatch.setattr(bootstrap, "billing_service", lambda: Reconciling([Drift("org_" + "4" * 26, 1, 0)]))
    assert billing_reconcile.handler(event, FakeLambdaContext()) == {"drifts": [drift]}


# Allocation workflow: Step Functions task payload -> one service step -------------------------


def test_allocation_workflow_sample_is_a_step_the_state_machines_send():
    event = load_function_event("allocation_workflow_step")
    assert set(event) == {"step", "allocation_id"}
    assert re.fullmatch(ALLOCATION_ID, event["allocation_id"])
    machine = json.loads((ROOT / "statemachines" / "provision.asl.json").read_text(encoding="utf-8"))
    payloads = [s["Parameters"]["Payload"] for s in machine["States"].values() if "Payload" in s.get("Parameters", {})]
    assert {"step": event["step"], "allocation_id.$": "$.allocation_id"} in payloads


@pytest.mark.filterwarnings("ignore:No application metrics")  # the unknown step fails before any metric
def test_allocation_workflow_handler_dispatches_the_step_to_the_provisioning_service(monkeypatch):
    from chalicelib.provisioning.models import CommandRef
    from functions import allocation_workflow

    event = load_function_event("allocation_workflow_step")
    calls: list[tuple[str, str]] = []

    class Provisioning:
        def begin_provision(self, allocation_id: str) -> CommandRef:
            calls.append(("begin_provision", allocation_id))
            return CommandRef("cmd_" + "0" * 26)

    monkeypatch.setattr(bootstrap, "provisioning_service", lambda: Provisioning())
    assert allocation_workflow.handler(event, FakeLambdaContext()) == {"command_id": "cmd_" + "0" * 26}
    assert calls == [("begin_provision", event["allocation_id"])]
    with pytest.raises(ValueError, match="unknown workflow step"):
        allocation_workflow.handler({**event, "step": "teleport"}, FakeLambdaContext())


# API: API Gateway REST proxy events ----------------------------------------------------------


@pytest.mark.parametrize(("name", "route"), API_EVENTS.items())
def test_api_samples_are_rest_proxy_events_chalice_can_read(name: str, route: tuple[str, str]):
    method, path = route
    event = load_function_event(name)
    context = event["requestContext"]
    assert (context["httpMethod"], context["resourcePath"]) == route
    assert (event["httpMethod"], event["resource"], event["path"]) == (method, path, path)
    assert context["requestId"]
    assert context["path"].endswith(path)
    request = Request(event)
    assert (request.method, request.path) == route
    assert request.headers["accept"] == "application/json"
    if event["body"] is not None:
        assert request.headers["content-type"] == "application/json"
        assert isinstance(request.json_body, dict)


def test_api_get_skus_sample_carries_its_query():
    request = Request(load_function_event("api_get_skus"))
    assert request.query_params == {"region": "us-east-1"}


def test_api_post_admin_sku_sample_body_matches_the_request_model():
    from chalicelib.api.schemas import CreateSkuBody

    body = Request(load_function_event("api_post_admin_sku")).json_body
    assert isinstance(body["price_per_hour_micros"], int)
    CreateSkuBody.model_validate(body, strict=True)


@pytest.mark.parametrize(("name", "route"), API_EVENTS.items())
def test_api_samples_name_routes_the_app_has(name: str, route: tuple[str, str]):
    from app import app

    method, path = route
    assert method in app.routes[path], f"{name}: no {method} {path} in app.routes"


# The terminal gateway: API Gateway WebSocket events and the terminal-close queue ---------------------


def _terminal(monkeypatch, allocation_id: str = "alc_" + "c" * 26):
    """The relay's handlers over an in-memory terminal service with one active allocation of one org."""
    from chalicelib.provisioning.models import Allocation
    from chalicelib.terminal.service import TerminalService
    from tests.fakes.clock import FakeClock
    from tests.fakes.terminal import (
        FakeAllocations,
        FakeCommandQueue,
        FakeConnections,
        FakeNodes,
        FakeTerminalReader,
        FakeTerminalUnitOfWork,
        TerminalStore,
    )

    store, connections, allocations = TerminalStore(), FakeConnections(), FakeAllocations()
    allocations.allocations[allocation_id] = Allocation(
        id=allocation_id, org_id="org_" + "d" * 26, user_id="usr_" + "e" * 26, name="a", sku_id="sku_" + "f" * 26,
        region="us-east-1", gpu_model="H100", count=1, gpus=1, os_image_id="img_" + "g" * 26, container_image="c",
        ssh_user="gpuaas", ssh_key_ids=(), ssh_public_keys=(), node_id="node_" + "a" * 26, slots=(),
        price_per_hour_micros=1, currency="USD", state="active", created_at="2026-11-26T10:00:00.000Z",
        updated_at="2026-11-26T10:00:00.000Z",
    )  # fmt: skip
    service = TerminalService(
        FakeTerminalReader(store), lambda: FakeTerminalUnitOfWork(store), connections, FakeCommandQueue(),
        FakeClock(), allocations=allocations, nodes=FakeNodes(), url="wss://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod",
        ticket_ttl_seconds=60, idle_seconds=600, frame_max_bytes=32768,
    )  # fmt: skip
    monkeypatch.setattr(bootstrap, "terminal_service", lambda: service)
    # $connect and $disconnect also serve the console's notification stream.
    from tests.fakes.notifications import notification_rig

    rig = notification_rig()
    monkeypatch.setattr(bootstrap, "notification_service", lambda: rig.service)
    return service, store, connections


def test_terminal_connect_reads_the_ticket_from_the_query_string_and_refuses_an_unknown_one(monkeypatch):
    from functions import terminal_relay

    event = load_function_event("terminal_connect")
    request = terminal_relay.connect_request(event)
    assert (request.connection_id, request.ticket) == ("Gx9kYdQVoAMCJ0g=", event["queryStringParameters"]["ticket"])
    assert request.role is None and request.bearer is None
    _terminal(monkeypatch)
    refused = terminal_relay.connect(event, FakeLambdaContext())
    assert refused["statusCode"] == 403 and json.loads(refused["body"])["error"]["code"] == "TERMINAL_TICKET_INVALID"


def test_terminal_connect_takes_a_ticket_and_an_agents_bearer(monkeypatch):
    from chalicelib.terminal.models import TerminalRequest
    from functions import terminal_relay

    service, store, _ = _terminal(monkeypatch)
    issued = service.open(TerminalRequest("org_" + "d" * 26, "usr_" + "e" * 26, "member", "alc_" + "c" * 26))
    event = load_function_event("terminal_connect")
    event["queryStringParameters"] = {"ticket": issued.ticket}
    assert terminal_relay.connect(event, FakeLambdaContext()) == {"statusCode": 200}
    assert store.sessions[issued.session_id].client_connection_id == "Gx9kYdQVoAMCJ0g="
    agent = load_function_event("terminal_connect")
    agent["queryStringParameters"] = {"session": issued.session_id, "role": "agent"}
    agent["headers"] = {**agent["headers"], "Authorization": "Bearer gpn_unknown"}
    request = terminal_relay.connect_request(agent)
    assert (request.role, request.session_id, request.bearer) == ("agent", issued.session_id, "gpn_unknown")
    assert terminal_relay.connect(agent, FakeLambdaContext())["statusCode"] == 401


def test_terminal_default_and_disconnect_take_api_gateways_events(monkeypatch):
    from functions import terminal_relay

    _, _, connections = _terminal(monkeypatch)
    event = load_function_event("terminal_default")
    connection_id = event["requestContext"]["connectionId"]
    connections.open(connection_id)
    assert terminal_relay.default(event, FakeLambdaContext()) == {"statusCode": 200}
    # Not a connection of any session: the sender is told and disconnected.
    [refused] = connections.received(connection_id)
    assert json.loads(refused)["code"] == "TERMINAL_SESSION_CLOSED" and connections.disconnected == [connection_id]
    disconnect = load_function_event("terminal_disconnect")
    assert disconnect["requestContext"]["eventType"] == "DISCONNECT"
    assert terminal_relay.disconnect(disconnect, FakeLambdaContext()) == {"statusCode": 200}


def test_terminal_close_sample_carries_an_allocation_leaving_active_and_closes_its_sessions(monkeypatch):
    from chalicelib.terminal.models import TerminalRequest
    from functions import terminal_relay

    event = load_function_event("terminal_close_sqs")
    [record] = SQSEvent(event).records
    envelope = json.loads(record.body)["detail"]
    validate_event(envelope)
    assert envelope["type"] == "allocation.releasing"
    service, store, _ = _terminal(monkeypatch, envelope["subject"])
    request = TerminalRequest("org_" + "d" * 26, "usr_" + "e" * 26, "member", envelope["subject"])
    issued = service.open(request)
    assert terminal_relay.allocation_ended(event, FakeLambdaContext()) == {"batchItemFailures": []}
    assert store.sessions[issued.session_id].state == "closed"
    assert terminal_relay.allocation_ended(event, FakeLambdaContext()) == {"batchItemFailures": []}  # redelivery


def test_notifications_handler_notifies_the_sample_event_once_however_often_it_comes(monkeypatch):
    from chalicelib.identity.models import OWNER
    from chalicelib.notifications.models import Recipient
    from functions import notifications
    from tests.fakes.notifications import notification_rig

    sample = load_function_event("notifications_sqs")
    [record] = SQSEvent(sample).records
    envelope = json.loads(record.body)["detail"]
    validate_event(envelope)
    rig = notification_rig()
    owner = Recipient("usr_" + "a" * 26, "owner@example.com", "Ada", OWNER)
    rig.directory.add(envelope["data"]["org_id"], "Acme Research", owner)
    monkeypatch.setattr(bootstrap, "notification_service", lambda: rig.service)
    assert notifications.handler(sample, FakeLambdaContext()) == {"batchItemFailures": []}
    assert notifications.handler(sample, FakeLambdaContext()) == {"batchItemFailures": []}  # redelivery
    [email] = rig.mailer.sent
    assert "Acme Research" in email.subject and "$9.99" in email.text and "$10.00" in email.text
    assert rig.service.feed(envelope["data"]["org_id"], owner.user_id, 10, None).unread_count == 1


def test_a_stream_ticket_on_connect_subscribes_the_console_and_disconnect_forgets_it(monkeypatch):
    from functions import terminal_relay

    _terminal(monkeypatch)
    service = bootstrap.notification_service()
    issued = service.open_stream("org_" + "d" * 26, "usr_" + "e" * 26)
    event = load_function_event("terminal_connect")
    event["queryStringParameters"] = {"ticket": issued.ticket}
    connection_id = event["requestContext"]["connectionId"]
    assert terminal_relay.connect(event, FakeLambdaContext()) == {"statusCode": 200}
    assert terminal_relay.connect(event, FakeLambdaContext())["statusCode"] == 403  # used once
    user_id, org_id = "usr_" + "e" * 26, "org_" + "d" * 26
    assert [s.connection_id for s in service._store.subscribers(user_id, org_id)] == [connection_id]
    disconnect = load_function_event("terminal_disconnect")
    disconnect["requestContext"]["connectionId"] = connection_id
    assert terminal_relay.disconnect(disconnect, FakeLambdaContext()) == {"statusCode": 200}
    assert service._store.subscribers(user_id, org_id) == []
