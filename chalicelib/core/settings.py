"""Typed settings, read from the environment once per process.

Every tunable (table name, limits, page sizes, token lifetimes) comes from here so that no
limit is a code constant: infra/template.yaml sets them on AWS, the local cloud sets them
from the same template.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True, slots=True)
class OidcIssuer:
    issuer: str
    audience: str
    jwks_url: str


@dataclass(frozen=True, slots=True)
class Settings:
    stage: str
    region: str
    table_name: str
    event_bus_name: str
    event_source: str
    # Request hygiene and pagination limits.
    max_body_bytes: int
    page_limit_default: int
    page_limit_max: int
    # OIDC: which issuer and audience tokens must carry, and where its keys are published.
    oidc_issuer: str
    oidc_audience: str
    oidc_jwks_url: str
    # Every issuer whose tokens can be exchanged for a session (the single one above included).
    oidc_issuers: tuple[OidcIssuer, ...]
    oidc_algorithms: tuple[str, ...]
    # GPUaaS sessions: the platform signs short-lived access JWTs (ES256) and rotates refresh tokens.
    session_issuer: str
    session_audience: str
    session_signing_key: str
    session_key_secret_id: str
    access_token_ttl_seconds: int
    refresh_token_ttl_seconds: int
    # Rate limits: requests per principal per window, by route class.
    rate_limit_window_seconds: int
    rate_limits: dict[str, int]
    # API keys: last-used time is written at most this often per key.
    api_key_touch_seconds: int
    api_key_max_ttl_days: int
    # Fleet: bootstrap tokens, node queues and the credentials agents get for them.
    bootstrap_token_default_ttl_seconds: int
    bootstrap_token_max_ttl_seconds: int
    heartbeat_interval_seconds: int
    node_suspect_after_seconds: int
    node_down_after_seconds: int
    node_queue_prefix: str
    node_queue_role_arn: str
    agent_credentials_ttl_seconds: int
    # SSH keys: the weakest RSA modulus accepted.
    ssh_rsa_min_bits: int
    # Allocations: the provisioning and release workflows (Step Functions) and their patience.
    state_machine_arn_prefix: str
    max_slots_per_allocation: int
    ssh_user: str
    # A command whose node sends no heartbeat for this long is given up and sent again.
    command_heartbeat_seconds: int
    provision_timeout_seconds: int
    release_timeout_seconds: int
    command_attempts: int
    # A startup script given at creation: at most this many bytes (UTF-8).
    startup_script_max_bytes: int
    # Logs (CloudWatch Logs): the two log groups, the agents' batch limits and the follow long-poll.
    allocation_log_group: str
    agent_log_group: str
    log_batch_max_lines: int
    log_batch_max_bytes: int
    log_line_max_bytes: int
    log_batch_max_streams: int
    log_max_age_seconds: int
    log_max_future_seconds: int
    log_follow_wait_seconds: int
    log_follow_poll_seconds: float
    # Event feed (GET /v1/events): how long entries are kept, the longest long-poll, how often it looks.
    event_feed_retention_seconds: int
    event_feed_wait_max_seconds: int
    event_feed_poll_seconds: float
    # Billing: the default policy until an operator stores one, and the settlement fan-out queue.
    welcome_credit_micros: int
    settlement_queue_url: str
    settlement_batch_size: int
    # Payments (Stripe): the API key and the webhook signing secret, each given directly or as a
    # Secrets Manager secret id (read once per container, only when a payment route needs it).
    stripe_secret_key: str
    stripe_secret_key_secret_id: str
    stripe_webhook_secret: str
    stripe_webhook_secret_id: str
    # How old a signed webhook may be before it is refused as a replay.
    stripe_webhook_tolerance_seconds: int
    # A module standing in for Stripe where there is none to reach (the local cloud names its own):
    # empty on every stage but the local one, and wherever a Stripe key is configured.
    payment_stand_in: str
    # Where Checkout sends the customer back when the checkout request names no URL.
    checkout_success_url: str
    checkout_cancel_url: str
    # How long a processed provider event id is remembered (longer than Stripe's 3 days of retries).
    webhook_retention_seconds: int
    # Local stage only: the dev issuer's private key (PEM) and token lifetime.
    dev_issuer_private_key: str
    dev_token_ttl_seconds: int
    # The terminal gateway (doc/terminal.md): the WebSocket URL clients and agents dial, its
    # @connections management endpoint, and the relay's limits.
    terminal_url: str
    terminal_management_url: str
    terminal_ticket_ttl_seconds: int
    terminal_idle_seconds: int
    terminal_frame_max_bytes: int
    terminal_connection_ttl_seconds: int
    # Customer webhooks (doc/webhooks.md, "SSRF guard"): plain http to loopback is allowed only on
    # the local stage, and only where GPUAAS_WEBHOOK_ALLOW_HTTP_LOOPBACK says so (the local cloud does).
    webhook_allow_http_loopback: bool
    # Local stage only: names the webhook resolver answers from this table before DNS
    # (GPUAAS_WEBHOOK_HOSTS, a JSON object of name -> addresses), so that local tests can have a
    # name resolve to a private address without a DNS server. Empty on every other stage.
    webhook_static_hosts: dict[str, tuple[str, ...]]
    # One delivery attempt's whole budget (connect, send, response) and how much of a reply is read.
    webhook_timeout_seconds: float
    webhook_response_max_bytes: int
    # Notifications (doc/webhooks.md): who emails come from (an SES-verified identity), SES's
    # configuration set, where links in emails point, how long a stream ticket may be used.
    notifications_sender: str
    ses_configuration_set: str
    public_api_url: str
    console_url: str
    notification_ticket_ttl_seconds: int
    # How long outbox items and idempotency records live before DynamoDB's TTL removes them.
    outbox_ttl_seconds: int
    idempotency_ttl_seconds: int
    log_level: str
    tracing_enabled: bool
    # Customer webhooks (doc/webhooks.md): the KMS key that encrypts signing secrets (empty: none,
    # unit tests only), the queues of the delivery path, and the longest retry delay SQS itself
    # holds (its DelaySeconds stops at 900 s; longer waits go through the due-time index).
    webhook_kms_key_id: str = ""
    webhook_delivery_queue_url: str = ""
    webhook_queue_delay_max_seconds: int = 900
    # How long the retired secret of a rotation still signs, and how long a failing endpoint
    # keeps its subscriptions before it is disabled.
    webhook_rotation_overlap_seconds: int = 86400
    webhook_disable_after_failing_seconds: int = 5 * 86400
    webhook_recover_max_seconds: int = 14 * 86400
    webhook_delivery_ttl_seconds: int = 30 * 86400

    @property
    def is_local(self) -> bool:
        return self.stage == "local"


def load_settings(environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    get = env.get
    stage = get("GPUAAS_STAGE", "local")
    stripe_key = get("GPUAAS_STRIPE_SECRET_KEY", "") or get("GPUAAS_STRIPE_SECRET_KEY_SECRET_ID", "")
    return Settings(
        stage=stage,
        region=get("AWS_REGION") or get("AWS_DEFAULT_REGION") or "us-east-1",
        table_name=get("GPUAAS_TABLE_NAME", f"gpuaas-{stage}-table"),
        event_bus_name=get("GPUAAS_EVENT_BUS_NAME", f"gpuaas-{stage}-events"),
        event_source=get("GPUAAS_EVENT_SOURCE", "gpuaas"),
        max_body_bytes=_int_from(env, "GPUAAS_MAX_BODY_BYTES", 65536),
        page_limit_default=_int_from(env, "GPUAAS_PAGE_LIMIT_DEFAULT", 50),
        page_limit_max=_int_from(env, "GPUAAS_PAGE_LIMIT_MAX", 200),
        oidc_issuer=get("GPUAAS_OIDC_ISSUER", ""),
        oidc_audience=get("GPUAAS_OIDC_AUDIENCE", "gpuaas"),
        oidc_jwks_url=get("GPUAAS_OIDC_JWKS_URL", ""),
        oidc_issuers=_issuers(env),
        oidc_algorithms=tuple(a.strip() for a in get("GPUAAS_OIDC_ALGORITHMS", "RS256,ES256").split(",") if a.strip()),
        session_issuer=get("GPUAAS_SESSION_ISSUER", "https://gpuaas/sessions"),
        session_audience=get("GPUAAS_SESSION_AUDIENCE", "gpuaas-api"),
        session_signing_key=get("GPUAAS_SESSION_SIGNING_KEY", ""),
        session_key_secret_id=get("GPUAAS_SESSION_KEY_SECRET_ID", ""),
        access_token_ttl_seconds=_int_from(env, "GPUAAS_ACCESS_TOKEN_TTL_SECONDS", 900),
        refresh_token_ttl_seconds=_int_from(env, "GPUAAS_REFRESH_TOKEN_TTL_SECONDS", 30 * 86400),
        rate_limit_window_seconds=_int_from(env, "GPUAAS_RATE_LIMIT_WINDOW_SECONDS", 60),
        rate_limits=_json_object(
            env, "GPUAAS_RATE_LIMITS", {"read": 600, "write": 120, "auth": 30, "public": 300, "agent_logs": 300}
        ),
        api_key_touch_seconds=_int_from(env, "GPUAAS_API_KEY_TOUCH_SECONDS", 60),
        api_key_max_ttl_days=_int_from(env, "GPUAAS_API_KEY_MAX_TTL_DAYS", 365),
        bootstrap_token_default_ttl_seconds=_int_from(env, "GPUAAS_BOOTSTRAP_TOKEN_TTL_SECONDS", 3600),
        bootstrap_token_max_ttl_seconds=_int_from(env, "GPUAAS_BOOTSTRAP_TOKEN_MAX_TTL_SECONDS", 7 * 86400),
        heartbeat_interval_seconds=_int_from(env, "GPUAAS_HEARTBEAT_INTERVAL_SECONDS", 20),
        node_suspect_after_seconds=_int_from(env, "GPUAAS_NODE_SUSPECT_AFTER_SECONDS", 90),
        node_down_after_seconds=_int_from(env, "GPUAAS_NODE_DOWN_AFTER_SECONDS", 300),
        node_queue_prefix=get("GPUAAS_NODE_QUEUE_PREFIX", f"gpuaas-{stage}-node-"),
        node_queue_role_arn=get(
            "GPUAAS_NODE_QUEUE_ROLE_ARN", f"arn:aws:iam::123456789012:role/gpuaas-{stage}-node-queue"
        ),
        ssh_rsa_min_bits=_int_from(env, "GPUAAS_SSH_RSA_MIN_BITS", 2048),
        state_machine_arn_prefix=get(
            "GPUAAS_STATE_MACHINE_ARN_PREFIX",
            f"arn:aws:states:{get('AWS_REGION') or get('AWS_DEFAULT_REGION') or 'us-east-1'}:123456789012:"
            f"stateMachine:gpuaas-{stage}-",
        ),
        max_slots_per_allocation=_int_from(env, "GPUAAS_MAX_SLOTS_PER_ALLOCATION", 8),
        ssh_user=get("GPUAAS_SSH_USER", "gpuaas"),
        command_heartbeat_seconds=_int_from(env, "GPUAAS_COMMAND_HEARTBEAT_SECONDS", 90),
        provision_timeout_seconds=_int_from(env, "GPUAAS_PROVISION_TIMEOUT_SECONDS", 900),
        release_timeout_seconds=_int_from(env, "GPUAAS_RELEASE_TIMEOUT_SECONDS", 300),
        command_attempts=_int_from(env, "GPUAAS_COMMAND_ATTEMPTS", 3),
        startup_script_max_bytes=_int_from(env, "GPUAAS_STARTUP_SCRIPT_MAX_BYTES", 16384),
        allocation_log_group=get("GPUAAS_ALLOCATION_LOG_GROUP", f"/gpuaas/{stage}/allocations"),
        agent_log_group=get("GPUAAS_AGENT_LOG_GROUP", f"/gpuaas/{stage}/agents"),
        log_batch_max_lines=_int_from(env, "GPUAAS_LOG_BATCH_MAX_LINES", 500),
        log_batch_max_bytes=_int_from(env, "GPUAAS_LOG_BATCH_MAX_BYTES", 49152),
        log_line_max_bytes=_int_from(env, "GPUAAS_LOG_LINE_MAX_BYTES", 8192),
        log_batch_max_streams=_int_from(env, "GPUAAS_LOG_BATCH_MAX_STREAMS", 32),
        log_max_age_seconds=_int_from(env, "GPUAAS_LOG_MAX_AGE_SECONDS", 13 * 86400),
        log_max_future_seconds=_int_from(env, "GPUAAS_LOG_MAX_FUTURE_SECONDS", 3600),
        log_follow_wait_seconds=_int_from(env, "GPUAAS_LOG_FOLLOW_WAIT_SECONDS", 20),
        log_follow_poll_seconds=float(get("GPUAAS_LOG_FOLLOW_POLL_SECONDS") or 1.0),
        event_feed_retention_seconds=_int_from(env, "GPUAAS_EVENT_FEED_RETENTION_SECONDS", 30 * 86400),
        # Below API Gateway's 29 s integration timeout, with room for the last read and the reply.
        event_feed_wait_max_seconds=min(_int_from(env, "GPUAAS_EVENT_FEED_WAIT_MAX_SECONDS", 20), 25),
        event_feed_poll_seconds=float(get("GPUAAS_EVENT_FEED_POLL_SECONDS") or 0.5),
        welcome_credit_micros=_int_from(env, "GPUAAS_WELCOME_CREDIT_MICROS", 0),
        settlement_queue_url=get("GPUAAS_SETTLEMENT_QUEUE_URL", ""),
        settlement_batch_size=_int_from(env, "GPUAAS_SETTLEMENT_BATCH_SIZE", 100),
        stripe_secret_key=get("GPUAAS_STRIPE_SECRET_KEY", ""),
        stripe_secret_key_secret_id=get("GPUAAS_STRIPE_SECRET_KEY_SECRET_ID", ""),
        stripe_webhook_secret=get("GPUAAS_STRIPE_WEBHOOK_SECRET", ""),
        stripe_webhook_secret_id=get("GPUAAS_STRIPE_WEBHOOK_SECRET_ID", ""),
        stripe_webhook_tolerance_seconds=_int_from(env, "GPUAAS_STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300),
        # Never on a deployed stage: there, a missing Stripe key must fail, not take fake payments.
        payment_stand_in=get("GPUAAS_PAYMENT_STAND_IN", "") if stage == "local" and not stripe_key else "",
        checkout_success_url=get("GPUAAS_CHECKOUT_SUCCESS_URL", ""),
        checkout_cancel_url=get("GPUAAS_CHECKOUT_CANCEL_URL", ""),
        webhook_retention_seconds=_int_from(env, "GPUAAS_WEBHOOK_RETENTION_SECONDS", 30 * 86400),
        agent_credentials_ttl_seconds=_int_from(env, "GPUAAS_AGENT_CREDENTIALS_TTL_SECONDS", 3600),
        dev_issuer_private_key=get("GPUAAS_DEV_ISSUER_PRIVATE_KEY", ""),
        dev_token_ttl_seconds=_int_from(env, "GPUAAS_DEV_TOKEN_TTL_SECONDS", 3600),
        terminal_url=get("GPUAAS_TERMINAL_URL", ""),
        terminal_management_url=get("GPUAAS_TERMINAL_MANAGEMENT_URL", ""),
        terminal_ticket_ttl_seconds=_int_from(env, "GPUAAS_TERMINAL_TICKET_TTL_SECONDS", 60),
        terminal_idle_seconds=_int_from(env, "GPUAAS_TERMINAL_IDLE_SECONDS", 1800),
        # API Gateway's frame limit (its message limit is 128 KB): every relayed frame must fit one.
        terminal_frame_max_bytes=_int_from(env, "GPUAAS_TERMINAL_FRAME_MAX_BYTES", 32768),
        # A connection lives at most 2 hours on API Gateway; its item outlives it a little.
        terminal_connection_ttl_seconds=_int_from(env, "GPUAAS_TERMINAL_CONNECTION_TTL_SECONDS", 3 * 3600),
        # Never on a deployed stage, whatever the variable says: there every webhook is https to a public address.
        webhook_allow_http_loopback=stage == "local"
        and get("GPUAAS_WEBHOOK_ALLOW_HTTP_LOOPBACK", "false").lower() in ("1", "true", "yes"),
        webhook_static_hosts=_hosts(env) if stage == "local" else {},
        webhook_timeout_seconds=float(get("GPUAAS_WEBHOOK_TIMEOUT_SECONDS") or 15.0),
        webhook_response_max_bytes=_int_from(env, "GPUAAS_WEBHOOK_RESPONSE_MAX_BYTES", 65536),
        notifications_sender=get("GPUAAS_NOTIFICATIONS_SENDER", "GPUaaS <notifications@gpuaas.example>"),
        ses_configuration_set=get("GPUAAS_SES_CONFIGURATION_SET", ""),
        public_api_url=get("GPUAAS_PUBLIC_API_URL", ""),
        console_url=get("GPUAAS_CONSOLE_URL", ""),
        notification_ticket_ttl_seconds=_int_from(env, "GPUAAS_NOTIFICATION_TICKET_TTL_SECONDS", 60),
        outbox_ttl_seconds=_int_from(env, "GPUAAS_OUTBOX_TTL_SECONDS", 7 * 86400),
        idempotency_ttl_seconds=_int_from(env, "GPUAAS_IDEMPOTENCY_TTL_SECONDS", 86400),
        log_level=get("POWERTOOLS_LOG_LEVEL", get("LOG_LEVEL", "INFO")),
        tracing_enabled=get("POWERTOOLS_TRACE_DISABLED", "true").lower() in ("0", "false", "no"),
        webhook_kms_key_id=get("GPUAAS_WEBHOOK_KMS_KEY_ID", ""),
        webhook_delivery_queue_url=get("GPUAAS_WEBHOOK_DELIVERY_QUEUE_URL", ""),
        webhook_queue_delay_max_seconds=_int_from(env, "GPUAAS_WEBHOOK_QUEUE_DELAY_MAX_SECONDS", 900),
        webhook_rotation_overlap_seconds=_int_from(env, "GPUAAS_WEBHOOK_ROTATION_OVERLAP_SECONDS", 86400),
        webhook_disable_after_failing_seconds=_int_from(env, "GPUAAS_WEBHOOK_DISABLE_AFTER_SECONDS", 5 * 86400),
        webhook_recover_max_seconds=_int_from(env, "GPUAAS_WEBHOOK_RECOVER_MAX_SECONDS", 14 * 86400),
        webhook_delivery_ttl_seconds=_int_from(env, "GPUAAS_WEBHOOK_DELIVERY_TTL_SECONDS", 30 * 86400),
    )


def _json_object(env: os._Environ[str] | dict[str, str], name: str, default: dict[str, Any]) -> dict[str, Any]:
    raw = env.get(name)
    return dict(default) if raw in (None, "") else {**default, **json.loads(raw)}


def _issuers(env: os._Environ[str] | dict[str, str]) -> tuple[OidcIssuer, ...]:
    """GPUAAS_OIDC_ISSUERS (a JSON list of {issuer, audience, jwks_url}) plus the single GPUAAS_OIDC_ISSUER."""
    found = [OidcIssuer(**item) for item in json.loads(env.get("GPUAAS_OIDC_ISSUERS") or "[]")]
    single = env.get("GPUAAS_OIDC_ISSUER", "")
    if single and env.get("GPUAAS_OIDC_JWKS_URL") and all(i.issuer != single for i in found):
        found.append(OidcIssuer(single, env.get("GPUAAS_OIDC_AUDIENCE", "gpuaas"), env["GPUAAS_OIDC_JWKS_URL"]))
    return tuple(found)


def _hosts(env: os._Environ[str] | dict[str, str]) -> dict[str, tuple[str, ...]]:
    table = json.loads(env.get("GPUAAS_WEBHOOK_HOSTS") or "{}")
    return {str(name).lower().rstrip("."): tuple(str(a) for a in addresses) for name, addresses in table.items()}


def _int_from(env: os._Environ[str] | dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    return default if raw in (None, "") else int(raw)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings. Tests that change the environment call ``get_settings.cache_clear()``."""
    return load_settings()
