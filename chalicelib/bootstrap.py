"""The composition root: builds each context's service from its adapters and the other contexts'
services that implement its ports. Wiring only: every rule lives in a context.

Who calls whom (each arrow a Protocol in the consumer's ``ports.py``; doc/architecture.md draws it):

- provisioning -> billing: ``BillingAdmission``, ``UsageSettlement`` (BillingService)
- billing -> provisioning: ``AllocationReleaser`` (ProvisioningService, through DeferredReleaser)
- fleet -> inventory: ``NodeStates`` (InventoryService)
- fleet -> provisioning: ``NodeWorkloads`` (ProvisioningService)
- payments -> billing: the wallet credits of paid checkouts and refunds (BillingService)
- logs -> provisioning: ``AllocationDirectory`` (ProvisioningService)
- logs -> inventory: ``NodeDirectory`` (InventoryService)
- terminal -> provisioning: ``Allocations`` (ProvisioningService)
- terminal -> fleet: ``NodeAuthenticator`` (FleetService)
- notifications -> identity: ``OrgDirectory`` (identity's items, through DynamoOrgDirectory)

Services are built once per process (Lambda containers reuse them) and lazily, so a route pays
only for the contexts it uses.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from chalicelib.core.clock import SystemClock

if TYPE_CHECKING:
    from chalicelib.audit.service import AuditService
    from chalicelib.auth.session_tokens import SessionTokens
    from chalicelib.billing.ports import AllocationReleaser
    from chalicelib.billing.service import BillingService
    from chalicelib.eventlog.service import EventLogService
    from chalicelib.feed.service import EventFeedService
    from chalicelib.fleet.models import NodeCredential
    from chalicelib.fleet.service import FleetService
    from chalicelib.identity.service import IdentityService
    from chalicelib.inventory.service import InventoryService
    from chalicelib.logs.service import LogService
    from chalicelib.notifications.service import NotificationService
    from chalicelib.outbox.relay import OutboxRelay
    from chalicelib.payments.ports import PaymentGateway
    from chalicelib.payments.service import PaymentsService
    from chalicelib.provisioning.models import Allocation
    from chalicelib.provisioning.service import ProvisioningService
    from chalicelib.sshkeys.service import SshKeyService
    from chalicelib.storage.rate_limits import DynamoRateLimiter
    from chalicelib.terminal.ports import Allocations, NodeAuthenticator
    from chalicelib.terminal.service import TerminalService
    from chalicelib.webhooks.sending import DestinationPolicy, WebhookSender
    from chalicelib.webhooks.service import WebhookService

clock = SystemClock()


class DeferredReleaser:
    """billing's ``AllocationReleaser``, served by provisioning, which is itself built on billing
    (admission, settlement): the provisioning service is looked up at the first release, not when
    billing is built, which breaks the cycle."""

    def __init__(self, provisioning: Callable[[], AllocationReleaser]) -> None:
        self._provisioning = provisioning

    def release(self, org_id: str, allocation_id: str, reason: str) -> object:
        return self._provisioning().release(org_id, allocation_id, reason)


class DeferredAllocations:
    """terminal's ``Allocations``, served by provisioning, built at the first ticket (the relay's
    handlers never need it)."""

    def __init__(self, provisioning: Callable[[], Allocations]) -> None:
        self._provisioning = provisioning

    def get(self, org_id: str, allocation_id: str) -> Allocation:
        return self._provisioning().get(org_id, allocation_id)


class DeferredNodes:
    """terminal's ``NodeAuthenticator``, served by fleet, built at the first agent connection."""

    def __init__(self, fleet: Callable[[], NodeAuthenticator]) -> None:
        self._fleet = fleet

    def authenticate_node(self, presented: str) -> NodeCredential:
        return self._fleet().authenticate_node(presented)


@cache
def inventory_service() -> InventoryService:
    from chalicelib.inventory.service import InventoryService
    from chalicelib.storage.inventory_repo import DynamoInventoryReader, DynamoInventoryUnitOfWork

    return InventoryService(DynamoInventoryReader(), lambda: DynamoInventoryUnitOfWork(clock), clock)


@cache
def outbox_relay() -> OutboxRelay:
    from chalicelib.adapters.eventbridge import EventBridgePublisher
    from chalicelib.outbox.relay import OutboxRelay
    from chalicelib.storage.idempotency import once_per_event

    return OutboxRelay(EventBridgePublisher(), once=once_per_event("outbox-relay"))


@cache
def event_log_service() -> EventLogService:
    from chalicelib.eventlog.service import EventLogService
    from chalicelib.storage.event_log_repo import DynamoEventLog

    return EventLogService(DynamoEventLog())


@cache
def event_feed_service() -> EventFeedService:
    from chalicelib.core.settings import get_settings
    from chalicelib.feed.models import FeedLimits
    from chalicelib.feed.service import EventFeedService
    from chalicelib.storage.feed_repo import DynamoEventFeed

    settings = get_settings()
    limits = FeedLimits(
        retention_seconds=settings.event_feed_retention_seconds,
        wait_max_seconds=settings.event_feed_wait_max_seconds,
        poll_seconds=settings.event_feed_poll_seconds,
    )
    return EventFeedService(DynamoEventFeed(), SystemClock(), limits)


@cache
def session_tokens() -> SessionTokens:
    from chalicelib.adapters.secrets import resolve
    from chalicelib.auth.session_tokens import SessionTokens
    from chalicelib.core.settings import get_settings

    settings = get_settings()
    pem = resolve(settings.session_signing_key, settings.session_key_secret_id)
    return SessionTokens(pem, issuer=settings.session_issuer, audience=settings.session_audience, clock=clock)


@cache
def identity_service() -> IdentityService:
    from chalicelib.core.settings import get_settings
    from chalicelib.identity.service import IdentityService
    from chalicelib.storage.identity_repo import DynamoApiKeyToucher, DynamoIdentityReader, DynamoIdentityUnitOfWork

    settings = get_settings()
    return IdentityService(
        DynamoIdentityReader(),
        lambda: DynamoIdentityUnitOfWork(clock),
        session_tokens(),
        DynamoApiKeyToucher(),
        clock,
        access_ttl_seconds=settings.access_token_ttl_seconds,
        refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
        api_key_touch_seconds=settings.api_key_touch_seconds,
        api_key_max_ttl_days=settings.api_key_max_ttl_days,
    )


@cache
def fleet_service() -> FleetService:
    from chalicelib.adapters.node_queues import SqsNodeQueues, StsQueueCredentials
    from chalicelib.core.settings import get_settings
    from chalicelib.fleet.service import FleetService
    from chalicelib.storage.fleet_repo import DynamoFleetReader, DynamoFleetUnitOfWork, DynamoHeartbeats

    settings = get_settings()
    return FleetService(
        DynamoFleetReader(),
        lambda: DynamoFleetUnitOfWork(clock),
        SqsNodeQueues(),
        StsQueueCredentials(),
        DynamoHeartbeats(),
        clock,
        nodes=inventory_service(),
        workloads=provisioning_service(),
        suspect_after_seconds=settings.node_suspect_after_seconds,
        down_after_seconds=settings.node_down_after_seconds,
        region=settings.region,
        bootstrap_max_ttl_seconds=settings.bootstrap_token_max_ttl_seconds,
        heartbeat_interval_seconds=settings.heartbeat_interval_seconds,
        credentials_ttl_seconds=settings.agent_credentials_ttl_seconds,
    )


@cache
def provisioning_service() -> ProvisioningService:
    from chalicelib.adapters.node_queues import SqsCommandQueue
    from chalicelib.adapters.workflows import StepFunctionsWorkflows
    from chalicelib.core.settings import get_settings
    from chalicelib.provisioning.service import ProvisioningService
    from chalicelib.storage.allocation_repo import (
        DynamoAllocationReader,
        DynamoAllocationUnitOfWork,
        DynamoCommandStore,
    )
    from chalicelib.storage.inventory_repo import DynamoInventoryReader
    from chalicelib.storage.ssh_key_repo import DynamoSshKeys

    settings = get_settings()
    return ProvisioningService(
        DynamoAllocationReader(DynamoInventoryReader(), DynamoSshKeys()),
        lambda: DynamoAllocationUnitOfWork(clock),
        DynamoCommandStore(),
        SqsCommandQueue(),
        StepFunctionsWorkflows(),
        clock,
        max_slots=settings.max_slots_per_allocation,
        ssh_user=settings.ssh_user,
        heartbeat_seconds=settings.command_heartbeat_seconds,
        provision_timeout_seconds=settings.provision_timeout_seconds,
        release_timeout_seconds=settings.release_timeout_seconds,
        attempts=settings.command_attempts,
        startup_script_max_bytes=settings.startup_script_max_bytes,
        admission=billing_service(),
        settlement=billing_service(),
    )


@cache
def billing_service() -> BillingService:
    from chalicelib.billing.models import BillingPolicy
    from chalicelib.billing.service import BillingService
    from chalicelib.core.settings import get_settings
    from chalicelib.storage import keys
    from chalicelib.storage.billing_repo import DynamoBillingReader, DynamoBillingUnitOfWork

    default_policy = BillingPolicy(welcome_credit_micros=get_settings().welcome_credit_micros)
    return BillingService(
        DynamoBillingReader(default_policy),
        lambda: DynamoBillingUnitOfWork(clock),
        clock,
        releaser=DeferredReleaser(provisioning_service),
        shards=keys.METER_SHARDS,
    )


@cache
def payment_gateway() -> PaymentGateway:
    """Stripe, or the stand-in the stage names (the local cloud's Stripe)."""
    import importlib

    from chalicelib.adapters.secrets import resolve
    from chalicelib.core.settings import get_settings

    settings = get_settings()

    def webhook_secret() -> str:
        return resolve(settings.stripe_webhook_secret, settings.stripe_webhook_secret_id)

    tolerance = settings.stripe_webhook_tolerance_seconds
    if settings.payment_stand_in:
        stand_in: PaymentGateway = importlib.import_module(settings.payment_stand_in).gateway(
            webhook_secret, tolerance_seconds=tolerance
        )
        return stand_in
    from chalicelib.adapters.stripe_gateway import StripeGateway

    return StripeGateway(
        lambda: resolve(settings.stripe_secret_key, settings.stripe_secret_key_secret_id),
        webhook_secret,
        tolerance_seconds=tolerance,
    )


@cache
def payments_service() -> PaymentsService:
    import importlib

    from chalicelib.adapters.secrets import resolve
    from chalicelib.core.settings import get_settings
    from chalicelib.payments.ports import CheckoutPayer
    from chalicelib.payments.service import PaymentsService
    from chalicelib.storage.payment_repo import DynamoPaymentReader, DynamoPaymentUnitOfWork

    settings = get_settings()
    payer: CheckoutPayer | None = None
    if settings.payment_stand_in:
        # A stage without real customers also has someone to pay its checkouts.
        payer = importlib.import_module(settings.payment_stand_in).checkout_payer(
            lambda: resolve(settings.stripe_webhook_secret, settings.stripe_webhook_secret_id)
        )
    return PaymentsService(
        DynamoPaymentReader(),
        lambda: DynamoPaymentUnitOfWork(clock),
        payment_gateway(),
        billing_service(),
        clock,
        checkout_payer=payer,
        success_url=settings.checkout_success_url,
        cancel_url=settings.checkout_cancel_url,
    )


@cache
def ssh_key_service() -> SshKeyService:
    from chalicelib.core.settings import get_settings
    from chalicelib.sshkeys.service import SshKeyService
    from chalicelib.storage.ssh_key_repo import DynamoSshKeys, DynamoSshKeyUnitOfWork

    return SshKeyService(
        DynamoSshKeys(), lambda: DynamoSshKeyUnitOfWork(clock), clock, rsa_min_bits=get_settings().ssh_rsa_min_bits
    )


@cache
def log_service() -> LogService:
    from chalicelib.adapters.cloudwatch_logs import CloudWatchLogStore
    from chalicelib.core.settings import get_settings
    from chalicelib.logs.models import LogLimits
    from chalicelib.logs.service import LogService

    settings = get_settings()
    limits = LogLimits(
        batch_max_lines=settings.log_batch_max_lines,
        batch_max_bytes=settings.log_batch_max_bytes,
        line_max_bytes=settings.log_line_max_bytes,
        batch_max_streams=settings.log_batch_max_streams,
        max_age_seconds=settings.log_max_age_seconds,
        max_future_seconds=settings.log_max_future_seconds,
        follow_wait_seconds=settings.log_follow_wait_seconds,
        follow_poll_seconds=settings.log_follow_poll_seconds,
    )
    return LogService(CloudWatchLogStore(), provisioning_service(), inventory_service(), clock, limits)


@cache
def terminal_service() -> TerminalService:
    from chalicelib.adapters.node_queues import SqsCommandQueue
    from chalicelib.adapters.ws_connections import ApiGatewayConnections
    from chalicelib.core.settings import get_settings
    from chalicelib.storage.terminal_repo import DynamoTerminalReader, DynamoTerminalUnitOfWork
    from chalicelib.terminal.service import TerminalService

    settings = get_settings()
    return TerminalService(
        DynamoTerminalReader(),
        lambda: DynamoTerminalUnitOfWork(
            clock,
            idle_seconds=settings.terminal_idle_seconds,
            connection_ttl_seconds=settings.terminal_connection_ttl_seconds,
        ),
        ApiGatewayConnections(),
        SqsCommandQueue(),
        clock,
        # Both are looked up only when used: a relay handler builds neither unless it needs it.
        allocations=DeferredAllocations(provisioning_service),
        nodes=DeferredNodes(fleet_service),
        url=settings.terminal_url,
        ticket_ttl_seconds=settings.terminal_ticket_ttl_seconds,
        idle_seconds=settings.terminal_idle_seconds,
        frame_max_bytes=settings.terminal_frame_max_bytes,
    )


@cache
def notification_service() -> NotificationService:
    from chalicelib.adapters.secrets import resolve
    from chalicelib.adapters.ses_mailer import SesMailer
    from chalicelib.adapters.ws_connections import ApiGatewayConnections
    from chalicelib.core.settings import get_settings
    from chalicelib.notifications.service import NotificationService
    from chalicelib.notifications.tokens import JwtUnsubscribeSigner, derive_key
    from chalicelib.storage.notification_repo import DynamoNotificationStore, DynamoOrgDirectory

    settings = get_settings()

    @cache
    def signer() -> JwtUnsubscribeSigner:
        # The signing key is a secret: read it at the first link signed or checked, not at wiring.
        master = resolve(settings.session_signing_key, settings.session_key_secret_id)
        return JwtUnsubscribeSigner(derive_key(master), clock)

    class LazySigner:
        def sign(self, user_id: str, category: str) -> str:
            return signer().sign(user_id, category)

        def verify(self, token: str) -> tuple[str, str]:
            return signer().verify(token)

    return NotificationService(
        DynamoNotificationStore(clock),
        DynamoOrgDirectory(),
        SesMailer(),
        ApiGatewayConnections(),
        LazySigner(),
        clock,
        api_url=settings.public_api_url,
        console_url=settings.console_url,
        stream_url=settings.terminal_url,
        ticket_ttl_seconds=settings.notification_ticket_ttl_seconds,
    )


@cache
def rate_limiter() -> DynamoRateLimiter:
    from chalicelib.storage.rate_limits import DynamoRateLimiter

    return DynamoRateLimiter()


@cache
def audit_service() -> AuditService:
    from chalicelib.audit.service import AuditService
    from chalicelib.storage.audit_repo import DynamoAuditTrail

    return AuditService(DynamoAuditTrail())


@cache
def webhook_service() -> WebhookService:
    from chalicelib.adapters.webhook_queue import SqsDeliveryQueue
    from chalicelib.adapters.webhook_secrets import KmsSecretCipher
    from chalicelib.core.settings import get_settings
    from chalicelib.storage.webhook_repo import DynamoWebhooks, DynamoWebhookUnitOfWork
    from chalicelib.webhooks.service import WebhookService

    settings = get_settings()
    return WebhookService(
        DynamoWebhooks(),
        lambda: DynamoWebhookUnitOfWork(clock),
        SqsDeliveryQueue(),
        KmsSecretCipher(),
        webhook_sender(),
        webhook_destination_policy(),
        clock,
        queue_delay_max_seconds=settings.webhook_queue_delay_max_seconds,
        rotation_overlap_seconds=settings.webhook_rotation_overlap_seconds,
        disable_after_failing_seconds=settings.webhook_disable_after_failing_seconds,
        recover_max_seconds=settings.webhook_recover_max_seconds,
    )


def reset() -> None:
    """Forget wired services (tests that change settings call this)."""
    for factory in (
        inventory_service,
        outbox_relay,
        event_log_service,
        event_feed_service,
        session_tokens,
        identity_service,
        fleet_service,
        ssh_key_service,
        provisioning_service,
        billing_service,
        payment_gateway,
        payments_service,
        rate_limiter,
        audit_service,
        log_service,
        terminal_service,
        webhook_service,
        webhook_sender,
        webhook_destination_policy,
        notification_service,
    ):
        factory.cache_clear()
    import sys

    # The idempotency stores hold a boto3 client of the cloud they were made for.
    idempotency = sys.modules.get("chalicelib.storage.idempotency")
    if idempotency is not None:
        idempotency.persistence_layer.cache_clear()


@cache
def webhook_sender() -> WebhookSender:
    """The one HTTP client that reaches customers' webhook URLs, behind the SSRF guard."""
    from chalicelib.adapters.webhook_http import PinnedHttpSender, StaticHostsResolver
    from chalicelib.core.settings import get_settings

    settings = get_settings()
    return PinnedHttpSender(
        allow_loopback=settings.webhook_allow_http_loopback,
        resolver=StaticHostsResolver(settings.webhook_static_hosts),
        timeout_seconds=settings.webhook_timeout_seconds,
        max_body_bytes=settings.webhook_response_max_bytes,
    )


@cache
def webhook_destination_policy() -> DestinationPolicy:
    """What an endpoint's URL must be when it is registered or changed (the sender checks again)."""
    from chalicelib.adapters.webhook_http import StaticHostsResolver, WebhookDestinationPolicy
    from chalicelib.core.settings import get_settings

    settings = get_settings()
    return WebhookDestinationPolicy(
        allow_loopback=settings.webhook_allow_http_loopback,
        resolver=StaticHostsResolver(settings.webhook_static_hosts),
    )
