"""Key builders for every entity in the single table: the only place key strings are spelled."""

from __future__ import annotations

CATALOG_PARTITION = "CATALOG"
ALL_SKUS_PARTITION = "SKUS"
ALL_NODES_PARTITION = "NODES"
ALL_OS_IMAGES_PARTITION = "OSIMAGES"
PUBLIC_OS_IMAGES_PARTITION = "OSIMAGES#available"
ALL_EVENTS_PARTITION = "EVENTS"


def sku(sku_id: str) -> tuple[str, str]:
    return f"SKU#{sku_id}", "SKU"


def catalog_sort_key(region: str, gpu_model: str, gpus: int, sku_id: str) -> str:
    # Region first, then model, so region (and region+model) filters are key conditions.
    return f"{region}#{gpu_model}#{gpus:03d}#{sku_id}"


def catalog_prefix(region: str | None, gpu_model: str | None) -> str | None:
    if region is None:
        return None
    return f"{region}#" if gpu_model is None else f"{region}#{gpu_model}#"


def unique(kind: str, value: str) -> tuple[str, str]:
    return f"UNIQUE#{kind}#{value}", "UNIQUE"


def os_image(image_id: str) -> tuple[str, str]:
    return f"OSIMAGE#{image_id}", "OSIMAGE"


def os_image_by_name(name: str, image_id: str) -> str:
    """Sort key of an image in the public image index: by name."""
    return f"{name}#{image_id}"


def node(node_id: str) -> tuple[str, str]:
    return f"NODE#{node_id}", "NODE"


def node_partition(node_id: str) -> str:
    return f"NODE#{node_id}"


def slot(node_id: str, index: int) -> tuple[str, str]:
    return f"NODE#{node_id}", f"SLOT#{index:03d}"


def nodes_of_sku(sku_id: str) -> str:
    return f"SKU#{sku_id}#NODES"


def free_slots_of_sku(sku_id: str) -> str:
    return f"SKU#{sku_id}#FREE"


def free_slot_sort_key(node_id: str, index: int) -> str:
    """Sort key of a free slot in its SKU's free-slot index: by node, then slot."""
    return f"{node_id}#{index:03d}"


def outbox(event_id: str) -> tuple[str, str]:
    return f"OUTBOX#{event_id}", "OUTBOX"


def event_log(subject: str, time: str, event_id: str) -> tuple[str, str]:
    return f"EVENTS#{subject}", f"{time}#{event_id}"


def event_log_partition(subject: str) -> str:
    return f"EVENTS#{subject}"


def all_events_sort_key(time: str, event_id: str) -> str:
    return f"{time}#{event_id}"


def user(user_id: str) -> tuple[str, str]:
    return f"USER#{user_id}", "USER"


def user_partition(user_id: str) -> str:
    return f"USER#{user_id}"


def orgs_of_user(user_id: str) -> str:
    return f"USER#{user_id}#ORGS"


def sessions_of_user(user_id: str) -> str:
    return f"USER#{user_id}#SESSIONS"


def identity_claim(issuer: str, subject: str) -> tuple[str, str]:
    """Claims an OIDC identity (issuer and subject) for the user it signed up."""
    return unique("identity", f"{issuer}#{subject}")


def org_slug_claim(slug: str) -> tuple[str, str]:
    return unique("org_slug", slug)


def org(org_id: str) -> tuple[str, str]:
    return f"ORG#{org_id}", "ORG"


def org_partition(org_id: str) -> str:
    return f"ORG#{org_id}"


MEMBER_PREFIX = "MEMBER#"


def membership(org_id: str, user_id: str) -> tuple[str, str]:
    return f"ORG#{org_id}", f"{MEMBER_PREFIX}{user_id}"


def session(session_id: str) -> tuple[str, str]:
    return f"SESSION#{session_id}", "SESSION"


def refresh_token(token_hash: str) -> tuple[str, str]:
    return f"REFRESH#{token_hash}", "REFRESH"


def api_key(key_id: str) -> tuple[str, str]:
    return f"APIKEY#{key_id}", "APIKEY"


def api_keys_of_org(org_id: str) -> str:
    return f"ORG#{org_id}#APIKEYS"


def api_keys_of_creator(org_id: str, user_id: str) -> str:
    return f"ORG#{org_id}#APIKEYS#{user_id}"


def audit(org_id: str, at: str, record_id: str) -> tuple[str, str]:
    return f"AUDIT#{org_id}", f"{at}#{record_id}"


def audit_partition(org_id: str) -> str:
    return f"AUDIT#{org_id}"


PLATFORM_AUDIT_PARTITION = "AUDIT"


def platform_audit_sort_key(at: str, record_id: str) -> str:
    return f"{at}#{record_id}"


def rate_counter(principal: str, route_class: str, window_start: int) -> tuple[str, str]:
    return f"RATE#{principal}#{route_class}", f"W#{window_start}"


# Powertools idempotency records: the partition key is the prefix and the hashed idempotency key
# (Powertools joins them), so each record has its own partition; the sort key is fixed.
IDEMPOTENCY_SORT_KEY = "IDEMPOTENCY"


def idempotency_prefix(scope: str) -> str:
    """The key prefix of one scope's records: the API's POSTs (``api``), a consumer's events."""
    return f"IDEMPOTENCY#{scope}"


def bootstrap_token(token_id: str) -> tuple[str, str]:
    return f"BOOTSTRAP#{token_id}", "BOOTSTRAP"


def node_credential(node_id: str) -> tuple[str, str]:
    return f"NODE#{node_id}", "CREDENTIAL"


def node_agent(node_id: str) -> tuple[str, str]:
    return f"NODE#{node_id}", "AGENT"


HEALTH_PARTITION = "NODEHEALTH"


SSH_KEY_PREFIX = "SSHKEY#"


def ssh_key(user_id: str, key_id: str) -> tuple[str, str]:
    return f"USER#{user_id}", f"{SSH_KEY_PREFIX}{key_id}"


def ssh_fingerprint_claim(user_id: str, fingerprint: str) -> tuple[str, str]:
    """Claims a fingerprint among one user's keys, so that a key is added once."""
    return unique("ssh_fingerprint", f"{user_id}#{fingerprint}")


def allocation(allocation_id: str) -> tuple[str, str]:
    return f"ALLOC#{allocation_id}", "ALLOC"


def allocation_partition(allocation_id: str) -> str:
    return f"ALLOC#{allocation_id}"


ALLOCATION_EVENT_PREFIX = "EVENT#"


def allocation_event(allocation_id: str, time: str, event_id: str) -> tuple[str, str]:
    return f"ALLOC#{allocation_id}", f"{ALLOCATION_EVENT_PREFIX}{time}#{event_id}"


def allocations_of_org(org_id: str) -> str:
    return f"ORG#{org_id}#ALLOCS"


def allocation_by_creation(created_at: str, allocation_id: str) -> str:
    """Sort key of an allocation in its org's index: newest first when read backwards."""
    return f"{created_at}#{allocation_id}"


def allocations_on_node(node_id: str) -> str:
    return f"NODE#{node_id}#ALLOCS"


def command(command_id: str) -> tuple[str, str]:
    return f"CMD#{command_id}", "CMD"


def commands_in_flight(node_id: str) -> str:
    return f"NODE#{node_id}#INFLIGHT"


def wallet(org_id: str) -> tuple[str, str]:
    return f"WALLET#{org_id}", "WALLET"


def wallet_directory(org_id: str) -> tuple[str, str]:
    return f"WALLET#{org_id}", "DIRECTORY"


ALL_WALLETS_PARTITION = "WALLETS"
DEPLETED_WALLETS_PARTITION = "WALLETS#DEPLETED"


def wallet_directory_sort_key(org_id: str) -> str:
    return org_id


def depleted_wallet_sort_key(depleted_at: str, org_id: str) -> str:
    return f"{depleted_at}#{org_id}"


LEDGER_ENTRY_PREFIX = "ENTRY#"


def ledger_entry(org_id: str, entry_id: str) -> tuple[str, str]:
    return f"LEDGER#{org_id}", f"{LEDGER_ENTRY_PREFIX}{entry_id}"


def ledger_partition(org_id: str) -> str:
    return f"LEDGER#{org_id}"


def ledger_by_time(org_id: str) -> str:
    return f"LEDGER#{org_id}#T"


def ledger_time_sort_key(at: str, entry_id: str) -> str:
    # Times sort as strings (one ISO format everywhere); the id breaks ties within a millisecond.
    return f"{at}#{entry_id}"


def meter(allocation_id: str) -> tuple[str, str]:
    return f"ALLOC#{allocation_id}", "METER"


# Open meters are spread over this many index partitions so that a sweep reads them in parallel
# and no single partition takes every meter's writes.
METER_SHARDS = 16


def open_meters(shard: int) -> str:
    return f"METERS#{shard:02d}"


def open_meter_sort_key(allocation_id: str) -> str:
    return allocation_id


def burning_meters_of_org(org_id: str) -> str:
    return f"ORG#{org_id}#METERS"


def burning_meter_sort_key(allocation_id: str) -> str:
    return allocation_id


def usage(org_id: str, day: str, allocation_id: str) -> tuple[str, str]:
    return f"USAGE#{org_id}", f"{day}#{allocation_id}"


def usage_partition(org_id: str) -> str:
    return f"USAGE#{org_id}"


def usage_days(since_day: str, until_day: str) -> tuple[str, str]:
    """Sort-key bounds of every allocation's usage on the days from ``since_day`` to ``until_day``."""
    return f"{since_day}#", f"{until_day}#~"


def daily_spend(org_id: str, day: str) -> tuple[str, str]:
    return f"SPEND#{org_id}", day


BILLING_POLICY = ("POLICY", "BILLING")


def spend_cap(org_id: str) -> tuple[str, str]:
    return f"ORG#{org_id}", "SPENDCAP"


def processed_webhook(provider: str, event_id: str) -> tuple[str, str]:
    return f"WEBHOOK#{provider}#{event_id}", "WEBHOOK"


def payment(payment_id: str) -> tuple[str, str]:
    return f"PAYMENT#{payment_id}", "PAYMENT"


def payment_partition(payment_id: str) -> str:
    return f"PAYMENT#{payment_id}"


def payment_refund(payment_id: str, refund_id: str) -> tuple[str, str]:
    return f"PAYMENT#{payment_id}", f"REFUND#{refund_id}"


def payment_ref(provider: str, reference: str) -> tuple[str, str]:
    """A provider's id for a payment (a Checkout Session, a PaymentIntent) pointing at our payment."""
    return f"PAYREF#{provider}#{reference}", "PAYREF"


def payment_refunds_prefix() -> str:
    """The sort-key prefix of a payment's refunds, in its partition (``payment_refund``)."""
    return "REFUND#"


def terminal_session(session_id: str) -> tuple[str, str]:
    return f"TERMINAL#{session_id}", "SESSION"


def terminal_sessions_of_allocation(allocation_id: str) -> str:
    """GSI1 partition of an allocation's open terminal sessions (closed ones leave it)."""
    return f"ALLOCATION#{allocation_id}#TERMINALS"


def terminal_ticket(token_hash: str) -> tuple[str, str]:
    return f"TICKET#{token_hash}", "TICKET"


def terminal_connection(connection_id: str) -> tuple[str, str]:
    return f"WSCONN#{connection_id}", "CONNECTION"


# Event feed (chalicelib/feed): per feed (an org id or "platform") a head item holding the last
# sequence number given out, and the entries under it, sorted by that number; per event id a
# dedupe record, so that a redelivered event is not appended twice.
FEED_ENTRY_PREFIX = "SEQ#"


def feed_partition(feed: str) -> str:
    return f"FEED#{feed}"


def feed_head(feed: str) -> tuple[str, str]:
    return feed_partition(feed), "HEAD"


def feed_entry(feed: str, seq: int) -> tuple[str, str]:
    # Zero-padded: the sort key orders like the number.
    return feed_partition(feed), f"{FEED_ENTRY_PREFIX}{seq:016d}"


def feed_dedupe(event_id: str) -> tuple[str, str]:
    return f"FEEDEVT#{event_id}", "FEEDEVT"


# Notifications (doc/webhooks.md, "Notifications"): one user's feed in one org, its unread counter,
# the email sent for each (event, user), preferences, stream tickets and live subscribers.
NOTIFICATION_PREFIX = "N#"


def notifications_partition(org_id: str, user_id: str) -> str:
    return f"NOTIF#{user_id}#{org_id}"


def notification(org_id: str, user_id: str, notification_id: str) -> tuple[str, str]:
    # Notification ids are time-ordered (from the event's ULID): the partition read backwards is newest first.
    return notifications_partition(org_id, user_id), f"{NOTIFICATION_PREFIX}{notification_id}"


def notification_counter(org_id: str, user_id: str) -> tuple[str, str]:
    return notifications_partition(org_id, user_id), "UNREAD"


def notification_email(event_id: str, user_id: str) -> tuple[str, str]:
    return f"NOTIFMAIL#{event_id}#{user_id}", "NOTIFMAIL"


def notification_preferences(user_id: str) -> tuple[str, str]:
    return f"NOTIFPREF#{user_id}", "NOTIFPREF"


def notification_ticket(token_hash: str) -> tuple[str, str]:
    return f"NOTIFTICKET#{token_hash}", "NOTIFTICKET"


def notification_subscriber(connection_id: str) -> tuple[str, str]:
    return f"NOTIFCONN#{connection_id}", "NOTIFCONN"


def subscribers_of(user_id: str, org_id: str) -> str:
    """GSI1 partition of a user's open console connections in one org."""
    return f"NOTIFSUBS#{user_id}#{org_id}"


# Customer webhooks (doc/webhooks.md). WEBHOOK#<provider># is the payment providers' processed
# events; customer endpoints are WHEP#, their deliveries and attempts WHDLV#.
WEBHOOK_ENDPOINT_PREFIX = "WHEP#"
WEBHOOK_DELIVERY_PREFIX = "WHDLV#"
WEBHOOK_ATTEMPT_PREFIX = "ATTEMPT#"
# GSI2: every endpoint a platform operator made (the receivers of node.* events).
OPERATOR_WEBHOOKS_PARTITION = "WHEP#OPERATORS"
# GSI1: pending deliveries by the time their next attempt (or a lost message's grace) is due.
WEBHOOK_DUE_PARTITION = "WHDLV#DUE"


def webhook_endpoint(org_id: str, endpoint_id: str) -> tuple[str, str]:
    return org_partition(org_id), f"{WEBHOOK_ENDPOINT_PREFIX}{endpoint_id}"


def webhook_deliveries(endpoint_id: str) -> str:
    return f"{WEBHOOK_ENDPOINT_PREFIX}{endpoint_id}"


def webhook_delivery(endpoint_id: str, delivery_id: str) -> tuple[str, str]:
    return webhook_deliveries(endpoint_id), f"{WEBHOOK_DELIVERY_PREFIX}{delivery_id}"


def webhook_delivery_sort_key(delivery_id: str) -> str:
    return f"{WEBHOOK_DELIVERY_PREFIX}{delivery_id}"


def webhook_attempts(delivery_id: str) -> str:
    return f"{WEBHOOK_DELIVERY_PREFIX}{delivery_id}"


def webhook_attempt(delivery_id: str, number: int) -> tuple[str, str]:
    return webhook_attempts(delivery_id), f"{WEBHOOK_ATTEMPT_PREFIX}{number:03d}"


def webhook_due_sort_key(due_at: str, delivery_id: str) -> str:
    return f"{due_at}#{delivery_id}"


def webhook_due_until(now: str) -> str:
    """Sort keys at or before ``now`` are below this one ('~' sorts after every id character)."""
    return f"{now}#~"
