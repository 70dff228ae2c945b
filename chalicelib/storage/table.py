"""The single DynamoDB table as pynamodb models.

Generic key attributes (PK/SK, GSI1PK/GSI1SK, GSI2PK/GSI2SK) and a ``type`` discriminator:
each entity is a subclass that adds its own attributes. The physical name comes from settings
at first use, so the same code serves every stage. Key layouts live in ``keys.py`` and every
access pattern is listed in doc/data-model.md.
"""

from __future__ import annotations

from typing import Any, cast

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.settings import get_settings


# pynamodb's Index.__init_subclass__ has no annotations; the ignore is for that call alone.
class GSI1(GlobalSecondaryIndex["TableItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    GSI1PK = UnicodeAttribute(hash_key=True)
    GSI1SK = UnicodeAttribute(range_key=True)


class GSI2(GlobalSecondaryIndex["TableItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    GSI2PK = UnicodeAttribute(hash_key=True)
    GSI2SK = UnicodeAttribute(range_key=True)


class TableItem(Model):
    class Meta:
        table_name = "unbound"  # replaced by bind_table() before any request

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)
    GSI2PK = UnicodeAttribute(null=True)
    GSI2SK = UnicodeAttribute(null=True)
    type = DiscriminatorAttribute()
    ttl = TTLAttribute(null=True)

    gsi1 = GSI1()
    gsi2 = GSI2()


def bind_table() -> type[TableItem]:
    """Point the models at this stage's table (idempotent; cheap after the first call)."""
    settings = get_settings()
    if TableItem.Meta.table_name != settings.table_name:
        TableItem.Meta.table_name = settings.table_name
        # Meta.region exists once pynamodb's metaclass has read the class; its stub does not say so.
        cast(Any, TableItem.Meta).region = settings.region
        # A cached connection would still name the old table.
        TableItem._connection = None
    return TableItem


def get_item(model: type[TableItem], key: tuple[str, str], *, consistent: bool = False) -> Any:
    """The item at ``key`` if it is a ``model``, else None: one GetItem.

    Strongly consistent reads are for state a decision is made on right after a write (sessions,
    tokens); eventually consistent ones for the hot per-request reads (credentials, catalog).
    """
    try:
        item = TableItem.get(*key, consistent_read=consistent)
    except TableItem.DoesNotExist:
        return None
    return item if isinstance(item, model) else None


class SkuItem(TableItem, discriminator="sku"):
    id = UnicodeAttribute()
    name = UnicodeAttribute()
    gpu_model = UnicodeAttribute()
    gpus = NumberAttribute()
    vcpus = NumberAttribute()
    ram_gib = NumberAttribute()
    disk_gib = NumberAttribute()
    region = UnicodeAttribute()
    price_per_hour_micros = NumberAttribute()
    currency = UnicodeAttribute()
    status = UnicodeAttribute()
    total_slots = NumberAttribute(default=0)
    free_slots = NumberAttribute(default=0)
    version = NumberAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class OsImageItem(TableItem, discriminator="os_image"):
    id = UnicodeAttribute()
    name = UnicodeAttribute()
    family = UnicodeAttribute()
    version_label = UnicodeAttribute()
    cuda_version = UnicodeAttribute(null=True)
    container_image = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()


class NodeItem(TableItem, discriminator="node"):
    id = UnicodeAttribute()
    hostname = UnicodeAttribute()
    sku_id = UnicodeAttribute()
    region = UnicodeAttribute()
    gpu_model = UnicodeAttribute()
    gpu_count = NumberAttribute()
    slot_count = NumberAttribute()
    status = UnicodeAttribute()
    health = UnicodeAttribute(default="healthy")
    version = NumberAttribute()
    created_at = UnicodeAttribute()


class SlotItem(TableItem, discriminator="slot"):
    node_id = UnicodeAttribute()
    index = NumberAttribute()
    sku_id = UnicodeAttribute()
    gpu_indexes = ListAttribute(of=NumberAttribute)
    state = UnicodeAttribute()
    allocation_id = UnicodeAttribute(null=True)


class UniqueItem(TableItem, discriminator="unique"):
    """Claims a unique value (a SKU name, a hostname) for its owner, inside the owner's transaction."""

    owner_id = UnicodeAttribute()


class OutboxItem(TableItem, discriminator="outbox"):
    """A CloudEvents envelope waiting for the relay; DynamoDB's TTL removes it after the retention period."""

    event_type = UnicodeAttribute()
    envelope = JSONAttribute()


class EventLogItem(TableItem, discriminator="event"):
    """One delivered event, filed under its subject, for the per-resource event history."""

    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    envelope = JSONAttribute()
    received = BooleanAttribute(default=True)


class FeedHeadItem(TableItem, discriminator="feed_head"):
    """The last sequence number a feed gave out; moved only from the value read (the append's
    transaction), so that two appends never get the same number and none is skipped."""

    seq = NumberAttribute()


class FeedEntryItem(TableItem, discriminator="feed_entry"):
    """One public event in its feed, at its sequence number; expires by TTL (retention)."""

    seq = NumberAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    body = JSONAttribute()


class FeedDedupeItem(TableItem, discriminator="feed_dedupe"):
    """An event id already appended (and where), so that a redelivery appends nothing."""

    feed = UnicodeAttribute()
    seq = NumberAttribute()


class UserItem(TableItem, discriminator="user"):
    id = UnicodeAttribute()
    email = UnicodeAttribute()
    name = UnicodeAttribute()
    operator = BooleanAttribute(default=False)
    default_org_id = UnicodeAttribute(null=True)
    sessions_not_before = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()


class OrgItem(TableItem, discriminator="org"):
    id = UnicodeAttribute()
    name = UnicodeAttribute()
    slug = UnicodeAttribute()
    owner_count = NumberAttribute(default=0)
    created_at = UnicodeAttribute()


class MembershipItem(TableItem, discriminator="membership"):
    org_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    role = UnicodeAttribute()
    joined_at = UnicodeAttribute()
    email = UnicodeAttribute(default="")
    name = UnicodeAttribute(default="")
    org_name = UnicodeAttribute(default="")


class SessionItem(TableItem, discriminator="session"):
    id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    revoked = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()


class RefreshTokenItem(TableItem, discriminator="refresh_token"):
    family_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    used = BooleanAttribute(default=False)


class ApiKeyItem(TableItem, discriminator="api_key"):
    id = UnicodeAttribute()
    prefix = UnicodeAttribute()
    name = UnicodeAttribute()
    org_id = UnicodeAttribute()
    created_by = UnicodeAttribute()
    role = UnicodeAttribute()
    scopes = JSONAttribute()
    secret_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()
    expires_at = UnicodeAttribute(null=True)
    revoked_at = UnicodeAttribute(null=True)
    last_used_at = UnicodeAttribute(null=True)


class AuditItem(TableItem, discriminator="audit"):
    # The filterable fields are top-level attributes; the whole record is kept as written.
    action = UnicodeAttribute()
    target = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    record = JSONAttribute()


class RateCounterItem(TableItem, discriminator="rate"):
    # Stored as "count"; the Python name must not hide Model.count().
    hits = NumberAttribute(default=0, attr_name="count")


class BootstrapTokenItem(TableItem, discriminator="bootstrap_token"):
    id = UnicodeAttribute()
    sku_id = UnicodeAttribute()
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    used_at = UnicodeAttribute(null=True)
    node_id = UnicodeAttribute(null=True)


class NodeCredentialItem(TableItem, discriminator="node_credential"):
    node_id = UnicodeAttribute()
    token_hash = UnicodeAttribute()
    queue_url = UnicodeAttribute()
    queue_arn = UnicodeAttribute()


class NodeAgentItem(TableItem, discriminator="node_agent"):
    """The node's last heartbeat: kept apart from the node item so that heartbeats never race
    with state changes of the node itself."""

    node_id = UnicodeAttribute()
    received_at = UnicodeAttribute()
    sent_at = UnicodeAttribute()
    agent_version = UnicodeAttribute()
    nvml = JSONAttribute()
    gpus = JSONAttribute()
    running_commands = JSONAttribute()


class SshKeyItem(TableItem, discriminator="ssh_key"):
    id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    key_type = UnicodeAttribute()
    public_key = UnicodeAttribute()
    comment = UnicodeAttribute(default="")
    fingerprint = UnicodeAttribute()
    created_at = UnicodeAttribute()


class ClaimedSlotAttribute(MapAttribute[str, Any]):
    """One slot an allocation holds: its index on the node and the GPUs it spans."""

    index = NumberAttribute()
    gpu_indexes = ListAttribute(of=NumberAttribute)


class AllocationItem(TableItem, discriminator="allocation"):
    """An allocation; GSI1 lists an org's allocations newest first, GSI2 those on a node (while
    they hold its slots)."""

    id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    sku_id = UnicodeAttribute()
    region = UnicodeAttribute()
    gpu_model = UnicodeAttribute()
    # Stored as "count"; named apart from Model.count(), which it would hide.
    slot_count = NumberAttribute(attr_name="count")
    gpus = NumberAttribute()
    os_image_id = UnicodeAttribute()
    container_image = UnicodeAttribute()
    ssh_user = UnicodeAttribute()
    ssh_key_ids = ListAttribute(of=UnicodeAttribute)
    ssh_public_keys = ListAttribute(of=UnicodeAttribute)
    node_id = UnicodeAttribute()
    slots = ListAttribute(of=ClaimedSlotAttribute)
    price_per_hour_micros = NumberAttribute()
    currency = UnicodeAttribute()
    state = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute()
    reason = UnicodeAttribute(null=True)
    connection_host = UnicodeAttribute(null=True)
    connection_port = NumberAttribute(null=True)
    connection_user = UnicodeAttribute(null=True)
    connection_host_key = UnicodeAttribute(null=True)
    connection_host_key_fingerprint = UnicodeAttribute(null=True)
    activated_at = UnicodeAttribute(null=True)
    release_requested_at = UnicodeAttribute(null=True)
    released_at = UnicodeAttribute(null=True)
    failed_at = UnicodeAttribute(null=True)
    node_down_at = UnicodeAttribute(null=True)
    wiped = BooleanAttribute(null=True)
    provision_command_id = UnicodeAttribute(null=True)
    release_command_id = UnicodeAttribute(null=True)
    startup_script = UnicodeAttribute(null=True)


class AllocationEventItem(TableItem, discriminator="allocation_event"):
    """One event in an allocation's history, written in the transaction that caused it."""

    event = JSONAttribute()


class CommandItem(TableItem, discriminator="command"):
    """A command sent to a node's agent and the Step Functions task token waiting for its result.
    GSI1 (sparse) lists a node's commands still in flight, so that the node's heartbeats keep
    their tasks alive."""

    id = UnicodeAttribute()
    node_id = UnicodeAttribute()
    allocation_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    document = JSONAttribute()
    task_token = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    result = JSONAttribute(null=True)
    reported_at = UnicodeAttribute(null=True)


class WalletItem(TableItem, discriminator="wallet"):
    """An org's prepaid balance. GSI1 (sparse) lists those at or below zero since ``depleted_at``
    (force-release); the wallet is in no other index, so balance changes write no index copies."""

    org_id = UnicodeAttribute()
    currency = UnicodeAttribute()
    balance_micros = NumberAttribute()
    created_at = UnicodeAttribute()
    notified_thresholds = JSONAttribute(default=list)
    depleted_at = UnicodeAttribute(null=True)
    frozen_reason = UnicodeAttribute(null=True)
    stripe_customer_id = UnicodeAttribute(null=True)
    version = NumberAttribute(null=True)  # +1 with every balance change (absent on wallets older than it)
    runway_warned = BooleanAttribute(null=True)


class WalletDirectoryItem(TableItem, discriminator="wallet_directory"):
    """Lists an org's wallet (GSI2 ``WALLETS``) for reconciliation; written once, never updated."""


class LedgerLineAttribute(MapAttribute[str, Any]):
    """One line of a ledger entry: an account and the amount it moves by."""

    account = UnicodeAttribute()
    amount_micros = NumberAttribute()


class LedgerEntryItem(TableItem, discriminator="ledger_entry"):
    """One double-entry ledger entry; its key is derived from its cause, so it is written once.
    ``wallet_delta_micros`` (the wallet's line) is kept apart so reconciliation reads only it."""

    id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    lines = ListAttribute(of=LedgerLineAttribute)
    currency = UnicodeAttribute()
    at = UnicodeAttribute()
    description = UnicodeAttribute()
    allocation_id = UnicodeAttribute(null=True)
    # What caused the entry (seconds settled, a payment, a refund): free-form by kind, a document.
    cause = JSONAttribute(default=dict)
    wallet_delta_micros = NumberAttribute()


class MeterItem(TableItem, discriminator="meter"):
    """Per-second metering of an active allocation. GSI1 (sharded) holds meters not yet settled to
    their end (the sweep reads it); GSI2 an org's meters still burning (burn rate, runway)."""

    allocation_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    sku_id = UnicodeAttribute()
    price_per_hour_micros = NumberAttribute()
    currency = UnicodeAttribute()
    started_at = UnicodeAttribute()
    ends_at = UnicodeAttribute(null=True)
    # The settlement cursor: every settlement's condition is on its value as read.
    settled_seconds = NumberAttribute()
    settled_micros = NumberAttribute(default=0)


class UsageItem(TableItem, discriminator="usage"):
    """Seconds and charges of one allocation on one day (ADDed by each settlement)."""

    org_id = UnicodeAttribute()
    day = UnicodeAttribute()
    allocation_id = UnicodeAttribute()
    sku_id = UnicodeAttribute(null=True)
    seconds = NumberAttribute(default=0)
    micros = NumberAttribute(default=0)


class DailySpendItem(TableItem, discriminator="daily_spend"):
    micros = NumberAttribute(default=0)


class SettingsItem(TableItem, discriminator="settings"):
    """A versioned policy document (the billing policy, an org's spend cap)."""

    document = JSONAttribute()
    version = NumberAttribute()


class WebhookItem(TableItem, discriminator="webhook"):
    """A provider's event id, once processed (kept past the provider's retry window)."""

    event_type = UnicodeAttribute()
    received_at = UnicodeAttribute()
    outcome = UnicodeAttribute()


class PaymentItem(TableItem, discriminator="payment"):
    """A top-up through the payment provider: what was asked, paid and refunded so far.
    ``refunded_micros`` also holds refunds reserved by the admin API while the provider is called."""

    id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    currency = UnicodeAttribute()
    amount_micros = NumberAttribute()
    paid_micros = NumberAttribute(null=True)
    refunded_micros = NumberAttribute(default=0)
    status = UnicodeAttribute()
    customer_id = UnicodeAttribute(null=True)
    checkout_session_id = UnicodeAttribute(null=True)
    checkout_url = UnicodeAttribute(null=True)
    payment_intent_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    paid_at = UnicodeAttribute(null=True)
    failure = JSONAttribute(null=True)
    failed_event_id = UnicodeAttribute(null=True)


class PaymentRefItem(TableItem, discriminator="payment_ref"):
    """A provider's id (Checkout Session, PaymentIntent) -> our payment id."""

    payment_id = UnicodeAttribute()


class RefundItem(TableItem, discriminator="refund"):
    """One provider refund of a payment, filed under the payment; written once per refund id."""

    id = UnicodeAttribute()
    payment_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    amount_micros = NumberAttribute()
    currency = UnicodeAttribute()
    status = UnicodeAttribute()
    source = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class TerminalSessionItem(TableItem, discriminator="terminal_session"):
    """A terminal session and the connection of each side; GSI1 (sparse) lists an allocation's open
    sessions, so that its release closes them."""

    id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    allocation_id = UnicodeAttribute()
    node_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    cols = NumberAttribute()
    rows = NumberAttribute()
    state = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    role = UnicodeAttribute()
    via = UnicodeAttribute()
    version = NumberAttribute()
    client_connection_id = UnicodeAttribute(null=True)
    agent_connection_id = UnicodeAttribute(null=True)
    idle_since = UnicodeAttribute(null=True)
    opened_at = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)
    close_reason = UnicodeAttribute(null=True)


class TerminalTicketItem(TableItem, discriminator="terminal_ticket"):
    """A one-time terminal ticket, keyed by the SHA-256 of its secret (the secret is never stored)."""

    session_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    role = UnicodeAttribute()
    via = UnicodeAttribute()
    api_key_id = UnicodeAttribute(null=True)
    allocation_id = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    used_at = UnicodeAttribute(null=True)


class TerminalConnectionItem(TableItem, discriminator="terminal_connection"):
    """A WebSocket connection of the terminal gateway: which session and side it is."""

    connection_id = UnicodeAttribute()
    session_id = UnicodeAttribute()
    side = UnicodeAttribute()
    connected_at = UnicodeAttribute()


class NotificationItem(TableItem, discriminator="notification"):
    """One entry of a user's in-app feed (in one org)."""

    id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    category = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    data = JSONAttribute()
    created_at = UnicodeAttribute()
    read_at = UnicodeAttribute(null=True)


class NotificationCounterItem(TableItem, discriminator="notification_counter"):
    """How many of a feed's entries are unread (ADDed with each write and read mark)."""

    unread = NumberAttribute(default=0)


class NotificationEmailItem(TableItem, discriminator="notification_email"):
    """The claim, then the record, of the one email of (event, user)."""

    event_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    state = UnicodeAttribute()  # sending | sent
    claimed_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)


class NotificationPreferencesItem(TableItem, discriminator="notification_preferences"):
    user_id = UnicodeAttribute()
    email = JSONAttribute()
    version = NumberAttribute()
    updated_at = UnicodeAttribute(null=True)


class NotificationTicketItem(TableItem, discriminator="notification_ticket"):
    """A one-time ticket to subscribe a console to the WebSocket API (stored as its SHA-256 hash)."""

    user_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    used_at = UnicodeAttribute(null=True)


class NotificationSubscriberItem(TableItem, discriminator="notification_subscriber"):
    """An open console connection that receives its user's new notifications."""

    connection_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    connected_at = UnicodeAttribute()


class WebhookEndpointItem(TableItem, discriminator="webhook_endpoint"):
    id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    url = UnicodeAttribute()
    event_types = JSONAttribute()  # the subscribed patterns, a list of strings
    description = UnicodeAttribute(default="")
    enabled = BooleanAttribute()
    operator = BooleanAttribute(default=False)
    # KMS ciphertexts (base64), never a secret in the clear.
    sealed_secret = UnicodeAttribute()
    previous_sealed_secret = UnicodeAttribute(null=True)
    previous_secret_expires_at = UnicodeAttribute(null=True)
    disabled_reason = UnicodeAttribute(null=True)
    failing_since = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute()


class WebhookDeliveryItem(TableItem, discriminator="webhook_delivery"):
    id = UnicodeAttribute()
    endpoint_id = UnicodeAttribute()
    org_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    payload = JSONAttribute()
    status = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    series_step = NumberAttribute(default=0)
    series_max = NumberAttribute()
    trigger = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    next_attempt_at = UnicodeAttribute(null=True)
    last_status_code = NumberAttribute(null=True)
    last_error = UnicodeAttribute(null=True)


class WebhookAttemptItem(TableItem, discriminator="webhook_attempt"):
    delivery_id = UnicodeAttribute()
    number = NumberAttribute()
    trigger = UnicodeAttribute()
    status = UnicodeAttribute()
    started_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    status_code = NumberAttribute(null=True)
    latency_ms = NumberAttribute(null=True)
    response = UnicodeAttribute(default="")
    error = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)
