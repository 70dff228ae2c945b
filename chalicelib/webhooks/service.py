"""Webhook use cases: endpoints (create, change, rotate, delete), the fan-out of public events to
subscribed endpoints, signed delivery attempts with retries, and the delivery log's resends.

Deliveries follow Standard Webhooks: ``webhook-id`` is the public event's id (the same on every
attempt, so receivers deduplicate), ``webhook-timestamp`` the sending time, ``webhook-signature``
one ``v1,<base64 HMAC-SHA256>`` per active secret, separated by spaces; the signing is the
``standardwebhooks`` package's, not ours.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from standardwebhooks import Webhook

from chalicelib.audit.models import Actor, record
from chalicelib.core import errors
from chalicelib.core.clock import Clock, isoformat
from chalicelib.core.events import DomainEvent
from chalicelib.core.ids import new_id
from chalicelib.core.page import Page
from chalicelib.core.public_events import PING_EVENT_TYPE, PublicEvent, subscribed
from chalicelib.webhooks.models import (
    FAILED,
    MANUAL_SERIES,
    PENDING,
    REASON_FAILING,
    REASON_GONE,
    RESPONSE_PREFIX_BYTES,
    RETRY_SCHEDULE_SECONDS,
    SENDING,
    SUCCEEDED,
    TRIGGER_EVENT,
    TRIGGER_RECOVER,
    TRIGGER_REDELIVER,
    TRIGGER_TEST,
    Attempt,
    Delivery,
    DeliveryTask,
    DeliveryView,
    EndpointChanges,
    WebhookEndpoint,
    delivery_id_for,
    new_secret,
    next_delay,
    validate_description,
    validate_event_types,
    validate_url,
)
from chalicelib.webhooks.payloads import delivery_audit, webhook_audit, webhook_data
from chalicelib.webhooks.ports import DeliveryQueue, SecretCipher, WebhookReader, WebhookUnitOfWorkFactory
from chalicelib.webhooks.sending import DestinationPolicy, WebhookSender

AUDIT_ACTION = "webhooks:write"
# How long a claimed attempt, or a queued message, may take before the retry sweeper assumes it
# was lost and queues the next attempt: the 15 s send plus the worker's own time, with margin.
LEASE_SECONDS = 120
# One recovery restarts at most this many deliveries per transaction (DynamoDB takes 100 writes).
_RESTARTS_PER_TRANSACTION = 90
USER_AGENT = "GPUaaS-Webhooks/1.0"


class WebhookService:
    def __init__(
        self,
        store: WebhookReader,
        unit_of_work: WebhookUnitOfWorkFactory,
        queue: DeliveryQueue,
        cipher: SecretCipher,
        sender: WebhookSender,
        destinations: DestinationPolicy,
        clock: Clock,
        *,
        queue_delay_max_seconds: int = 900,
        rotation_overlap_seconds: int = 86400,
        disable_after_failing_seconds: int = 5 * 86400,
        recover_max_seconds: int = 14 * 86400,
    ) -> None:
        self._store = store
        self._uow = unit_of_work
        self._queue = queue
        self._cipher = cipher
        self._sender = sender
        self._destinations = destinations
        self._clock = clock
        self._queue_delay_max = queue_delay_max_seconds
        self._rotation_overlap = rotation_overlap_seconds
        self._disable_after = disable_after_failing_seconds
        self._recover_max = recover_max_seconds

    # Endpoints ---------------------------------------------------------------------------------

    def create(
        self, actor: Actor, url: str, event_types: list[str], description: str = "", enabled: bool = True
    ) -> tuple[WebhookEndpoint, str]:
        """The new endpoint and its signing secret, in the clear this once."""
        url = validate_url(url)
        types = validate_event_types(event_types, operator=actor.operator)
        description = validate_description(description)
        self._destinations.check(url)
        now = isoformat(self._clock.now())
        endpoint_id = new_id("whk")
        secret = new_secret()
        endpoint = WebhookEndpoint(
            id=endpoint_id,
            org_id=actor.org_id,
            url=url,
            event_types=types,
            description=description,
            enabled=enabled,
            operator=actor.operator,
            sealed_secret=self._cipher.seal(secret, _context(actor.org_id, endpoint_id)),
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        uow = self._uow()
        uow.add_endpoint(endpoint)
        uow.emit(_event("webhook.created", endpoint))
        uow.audit(record(AUDIT_ACTION, endpoint.id, actor, now, after=webhook_audit(endpoint)))
        uow.commit()
        return endpoint, secret

    def list(self, org_id: str, limit: int, cursor: str | None) -> Page:
        return self._store.list_endpoints(org_id, limit, cursor)

    def get(self, org_id: str, endpoint_id: str) -> WebhookEndpoint:
        endpoint = self._store.get_endpoint(org_id, endpoint_id)
        if endpoint is None:
            raise errors.WebhookNotFoundError()
        return endpoint

    def update(
        self, actor: Actor, endpoint_id: str, changes: EndpointChanges, expected_version: int | None = None
    ) -> WebhookEndpoint:
        before = self.get(actor.org_id, endpoint_id)
        if expected_version is not None and expected_version != before.version:
            raise errors.PreconditionFailedError(f"The endpoint is at version {before.version}")
        after = before
        if changes.url is not None:
            url = validate_url(changes.url)
            self._destinations.check(url)
            after = replace(after, url=url)
        if changes.event_types is not None:
            after = replace(after, event_types=validate_event_types(changes.event_types, operator=before.operator))
        if changes.description is not None:
            after = replace(after, description=validate_description(changes.description))
        if changes.enabled is not None and changes.enabled != before.enabled:
            # Enabling again starts afresh: no reason to show, no failing clock running.
            after = replace(after, enabled=changes.enabled, disabled_reason=None, failing_since=None)
        if after == before:
            return before
        now = isoformat(self._clock.now())
        after = replace(after, version=before.version + 1, updated_at=now)
        uow = self._uow()
        uow.update_endpoint(before, after)
        uow.emit(_event("webhook.updated", after))
        uow.audit(record(AUDIT_ACTION, after.id, actor, now, before=webhook_audit(before), after=webhook_audit(after)))
        uow.commit()
        return after

    def delete(self, actor: Actor, endpoint_id: str) -> None:
        endpoint = self.get(actor.org_id, endpoint_id)
        now = isoformat(self._clock.now())
        uow = self._uow()
        uow.delete_endpoint(endpoint)
        uow.emit(_event("webhook.deleted", endpoint))
        uow.audit(record(AUDIT_ACTION, endpoint.id, actor, now, before=webhook_audit(endpoint)))
        uow.commit()

    def rotate(self, actor: Actor, endpoint_id: str) -> tuple[WebhookEndpoint, str]:
        """A new secret (shown this once); the current one keeps signing for the overlap (24 h), so
        receivers can switch without missing a delivery. A secret retired before is dropped."""
        before = self.get(actor.org_id, endpoint_id)
        now = self._clock.now()
        secret = new_secret()
        after = replace(
            before,
            sealed_secret=self._cipher.seal(secret, _context(before.org_id, before.id)),
            previous_sealed_secret=before.sealed_secret,
            previous_secret_expires_at=isoformat(now + timedelta(seconds=self._rotation_overlap)),
            version=before.version + 1,
            updated_at=isoformat(now),
        )
        uow = self._uow()
        uow.update_endpoint(before, after)
        uow.emit(_event("webhook.secret_rotated", after))
        stamp = isoformat(now)
        old, new = webhook_audit(before), webhook_audit(after)
        uow.audit(record(AUDIT_ACTION, after.id, actor, stamp, before=old, after=new))
        uow.commit()
        return after, secret

    # The delivery log ---------------------------------------------------------------------------

    def test(self, actor: Actor, endpoint_id: str) -> Delivery:
        """Send a ``webhook.ping`` to the endpoint (one attempt, logged like any other)."""
        endpoint = self._enabled(actor.org_id, endpoint_id)
        now = self._clock.now()
        event_id = new_id("evt")
        event = PublicEvent(
            id=event_id,
            type=PING_EVENT_TYPE,
            timestamp=isoformat(now),
            org_id=endpoint.org_id,
            subject=endpoint.id,
            data={
                "webhook_id": endpoint.id,
                "org_id": endpoint.org_id,
                "message": "A test delivery of your GPUaaS webhook endpoint",
                "version": endpoint.version,
            },
        )
        delivery = _new_delivery(endpoint, event, TRIGGER_TEST, MANUAL_SERIES, now)
        uow = self._uow()
        uow.add_delivery(delivery, isoformat(now + timedelta(seconds=LEASE_SECONDS)))
        uow.audit(record(AUDIT_ACTION, delivery.id, actor, isoformat(now), after=delivery_audit(delivery)))
        uow.commit()
        self._queue.send([_task(delivery, now)])
        return delivery

    def deliveries(self, org_id: str, endpoint_id: str, limit: int, cursor: str | None) -> Page:
        self.get(org_id, endpoint_id)
        return self._store.list_deliveries(endpoint_id, limit, cursor)

    def delivery(self, org_id: str, endpoint_id: str, delivery_id: str) -> DeliveryView:
        self.get(org_id, endpoint_id)
        delivery = self._store.get_delivery(endpoint_id, delivery_id)
        if delivery is None:
            raise errors.WebhookDeliveryNotFoundError()
        return DeliveryView(delivery, self._store.attempts(delivery_id))

    def redeliver(self, actor: Actor, endpoint_id: str, delivery_id: str) -> Delivery:
        """Send the delivery again now (one attempt; same ``webhook-id``, fresh signature)."""
        self._enabled(actor.org_id, endpoint_id)
        before = self._store.get_delivery(endpoint_id, delivery_id)
        if before is None:
            raise errors.WebhookDeliveryNotFoundError()
        now = self._clock.now()
        after = _restarted(before, TRIGGER_REDELIVER, now)
        uow = self._uow()
        uow.restart_delivery(before, after, isoformat(now + timedelta(seconds=LEASE_SECONDS)))
        uow.audit(
            record(
                AUDIT_ACTION,
                after.id,
                actor,
                isoformat(now),
                before=delivery_audit(before),
                after=delivery_audit(after),
            )
        )
        uow.commit()
        self._queue.send([_task(after, now)])
        return after

    def recover(self, actor: Actor, endpoint_id: str, since: datetime) -> int:
        """Resend every delivery of the endpoint that failed since ``since`` (at most 14 days back)."""
        endpoint = self._enabled(actor.org_id, endpoint_id)
        now = self._clock.now()
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        if since > now or now - since > timedelta(seconds=self._recover_max):
            days = self._recover_max // 86400
            raise errors.ValidationFailedError(f"since must be in the past, at most {days} days back")
        failed = self._store.failed_deliveries_since(endpoint.id, delivery_id_for("evt_" + _ulid_floor(since)))
        restarted: list[Delivery] = []
        for start in range(0, len(failed), _RESTARTS_PER_TRANSACTION):
            chunk = failed[start : start + _RESTARTS_PER_TRANSACTION]
            uow = self._uow()
            fresh = [_restarted(d, TRIGGER_RECOVER, now) for d in chunk]
            for before, after in zip(chunk, fresh, strict=True):
                uow.restart_delivery(before, after, isoformat(now + timedelta(seconds=LEASE_SECONDS)))
            if start == 0:
                summary = {"since": isoformat(since), "deliveries": len(failed)}
                uow.audit(record("webhooks:write", endpoint.id, actor, isoformat(now), after=summary))
            uow.commit()
            restarted.extend(fresh)
        if restarted:
            self._queue.send([_task(d, now) for d in restarted])
        return len(restarted)

    # Fan-out ------------------------------------------------------------------------------------

    def fan_out(self, event: PublicEvent) -> int:
        """One delivery of ``event`` for every enabled endpoint subscribed to it; idempotent, so a
        replayed event message queues no second delivery. Returns how many tasks were queued."""
        if event.operator_only:
            candidates = self._store.operator_endpoints()
        elif event.org_id:
            candidates = self._store.endpoints_of_org(event.org_id)
        else:
            return 0
        now = self._clock.now()
        tasks: list[DeliveryTask] = []
        for endpoint in candidates:
            if not endpoint.enabled or not subscribed(endpoint.event_types, event, operator=endpoint.operator):
                continue
            delivery = _new_delivery(endpoint, event, TRIGGER_EVENT, len(RETRY_SCHEDULE_SECONDS), now)
            uow = self._uow()
            uow.add_delivery(delivery, isoformat(now + timedelta(seconds=LEASE_SECONDS)))
            try:
                uow.commit()
            except errors.DeliveryExistsError:
                # A replay: queue the first attempt again only if it was never made (the message
                # may have been lost after the commit); its claim keeps a duplicate from sending.
                existing = self._store.get_delivery(endpoint.id, delivery.id)
                if existing is None or existing.attempts > 0 or existing.status != PENDING:
                    continue
                delivery = existing
            tasks.append(_task(delivery, now))
        if tasks:
            self._queue.send(tasks)
        return len(tasks)

    # Delivery -----------------------------------------------------------------------------------

    def deliver(self, task: DeliveryTask) -> str:
        """Make one attempt. Returns what happened: succeeded, retrying, failed, duplicate, dropped."""
        now = self._clock.now()
        if task.not_before:
            now = max(now, _parse(task.not_before))
        before = self._store.get_delivery(task.endpoint_id, task.delivery_id)
        if before is None or before.status != PENDING or before.attempts != task.attempt - 1:
            return "duplicate"
        endpoint = self._store.get_endpoint(task.org_id, task.endpoint_id)
        if endpoint is None or not endpoint.enabled:
            # Nothing to send to: the delivery fails without an attempt (recover resends it later).
            settled = replace(
                before, status=FAILED, next_attempt_at=None, last_error="endpoint_disabled", updated_at=isoformat(now)
            )
            uow = self._uow()
            uow.record_attempt(settled, None, None)
            uow.commit()
            return "dropped"

        attempt = Attempt(
            delivery_id=before.id,
            number=task.attempt,
            trigger=before.trigger,
            status=SENDING,
            started_at=isoformat(now),
        )
        claimed = replace(before, attempts=task.attempt, series_step=before.series_step + 1, updated_at=isoformat(now))
        uow = self._uow()
        uow.claim_attempt(before, claimed, attempt, isoformat(now + timedelta(seconds=LEASE_SECONDS)))
        try:
            uow.commit()
        except errors.AttemptClaimedError:
            return "duplicate"

        body = json.dumps(claimed.payload, separators=(",", ":"), sort_keys=True).encode()
        outcome = self._sender.post(endpoint.url, body, self._headers(endpoint, claimed, body, now))
        finished = replace(
            attempt,
            status=SUCCEEDED if outcome.succeeded else FAILED,
            finished_at=isoformat(now + timedelta(milliseconds=outcome.latency_ms)),
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            response=_prefix(outcome.body_prefix),
            error=outcome.error if outcome.error else (None if outcome.succeeded else "http_status"),
            detail=outcome.detail,
        )
        return self._settle(endpoint, claimed, finished, now)

    def _settle(self, endpoint: WebhookEndpoint, delivery: Delivery, attempt: Attempt, now: datetime) -> str:
        stamp = isoformat(now)
        base = replace(delivery, last_status_code=attempt.status_code, last_error=attempt.error, updated_at=stamp)
        disable: str | None = None
        retry_in: int | None = None
        if attempt.status == SUCCEEDED:
            settled = replace(base, status=SUCCEEDED, next_attempt_at=None)
        else:
            failing_since = _parse(endpoint.failing_since) if endpoint.failing_since else now
            if attempt.status_code == 410:
                disable = REASON_GONE
            elif now - failing_since >= timedelta(seconds=self._disable_after):
                disable = REASON_FAILING
            if disable is None and delivery.series_step < delivery.series_max:
                retry_in = next_delay(delivery.series_step)
            if retry_in is None:
                settled = replace(base, status=FAILED, next_attempt_at=None)
            else:
                settled = replace(base, status=PENDING, next_attempt_at=isoformat(now + timedelta(seconds=retry_in)))
        due_at: str | None = None
        if retry_in is not None:
            due = now + timedelta(seconds=retry_in)
            # A retry SQS holds still gets a due time: the sweeper's safety net if its message is lost.
            due_at = isoformat(due + timedelta(seconds=LEASE_SECONDS) if retry_in <= self._queue_delay_max else due)

        def write(with_endpoint: bool) -> None:
            uow = self._uow()
            uow.record_attempt(settled, attempt, due_at)
            if with_endpoint:
                if attempt.status == SUCCEEDED:
                    if endpoint.failing_since:
                        uow.clear_failing(endpoint)
                elif disable is not None:
                    after = replace(
                        endpoint,
                        enabled=False,
                        disabled_reason=disable,
                        failing_since=None,
                        version=endpoint.version + 1,
                        updated_at=stamp,
                    )
                    uow.disable_endpoint(endpoint, after)
                    uow.emit(_event("webhook.disabled", after, reason=disable))
                    uow.audit(
                        record(
                            AUDIT_ACTION,
                            endpoint.id,
                            Actor.system(delivery.id),
                            stamp,
                            before=webhook_audit(endpoint),
                            after=webhook_audit(after),
                            org_id=endpoint.org_id,
                        )
                    )
                elif endpoint.failing_since is None:
                    uow.mark_failing(endpoint, stamp)
            uow.commit()

        try:
            write(with_endpoint=True)
        except errors.ConcurrentUpdateError:
            # The endpoint changed under us (edited, or disabled by another attempt): the attempt's
            # outcome is still recorded; the endpoint's bookkeeping waits for the next attempt.
            write(with_endpoint=False)
        if retry_in is not None and retry_in <= self._queue_delay_max:
            self._queue.send([_task(settled, now + timedelta(seconds=retry_in))], delay_seconds=retry_in)
        if attempt.status == SUCCEEDED:
            return "succeeded"
        return "retrying" if retry_in is not None else "failed"

    def _headers(self, endpoint: WebhookEndpoint, delivery: Delivery, body: bytes, now: datetime) -> dict[str, str]:
        context = _context(endpoint.org_id, endpoint.id)
        secrets = [self._cipher.open(endpoint.sealed_secret, context)]
        if endpoint.previous_sealed_secret and endpoint.previous_secret_active(now):
            secrets.append(self._cipher.open(endpoint.previous_sealed_secret, context))
        # The timestamp is the real sending time: receivers check it against their own clocks.
        sent_at = self._clock.now().astimezone(UTC)
        text = body.decode()
        signatures = " ".join(Webhook(s).sign(delivery.event_id, sent_at, text) for s in secrets)
        return {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": signatures,
        }

    # Retries past what SQS can hold -------------------------------------------------------------

    def sweep(self, now: datetime, limit: int = 500) -> int:
        """Queue the next attempt of every delivery due by ``now`` (the scheduled event's time).
        Each one's due time moves a lease ahead first, so the next sweep does not queue it again."""
        tasks: list[DeliveryTask] = []
        for delivery in self._store.due_deliveries(isoformat(now), limit):
            uow = self._uow()
            uow.restart_delivery(delivery, delivery, isoformat(now + timedelta(seconds=LEASE_SECONDS)))
            try:
                uow.commit()
            except errors.ConcurrentUpdateError:
                continue  # an attempt was made meanwhile
            tasks.append(_task(delivery, now))
        if tasks:
            self._queue.send(tasks)
        return len(tasks)

    def _enabled(self, org_id: str, endpoint_id: str) -> WebhookEndpoint:
        endpoint = self.get(org_id, endpoint_id)
        if not endpoint.enabled:
            raise errors.WebhookDisabledError()
        return endpoint


def _context(org_id: str, endpoint_id: str) -> dict[str, str]:
    return {"org_id": org_id, "webhook_id": endpoint_id}


def _event(event_type: str, endpoint: WebhookEndpoint, *, reason: str | None = None) -> DomainEvent:
    data: dict[str, object] = {"org_id": endpoint.org_id, "webhook": webhook_data(endpoint)}
    if reason is not None:
        data["reason"] = reason
    return DomainEvent(type=event_type, subject=endpoint.id, data=data, context="webhooks")


def _new_delivery(
    endpoint: WebhookEndpoint, event: PublicEvent, trigger: str, series_max: int, now: datetime
) -> Delivery:
    stamp = isoformat(now)
    return Delivery(
        id=delivery_id_for(event.id),
        endpoint_id=endpoint.id,
        org_id=endpoint.org_id,
        event_id=event.id,
        event_type=event.type,
        payload=event.payload(),
        status=PENDING,
        attempts=0,
        series_step=0,
        series_max=series_max,
        trigger=trigger,
        created_at=stamp,
        updated_at=stamp,
        next_attempt_at=stamp,
    )


def _restarted(delivery: Delivery, trigger: str, now: datetime) -> Delivery:
    stamp = isoformat(now)
    return replace(
        delivery,
        status=PENDING,
        series_step=0,
        series_max=MANUAL_SERIES,
        trigger=trigger,
        next_attempt_at=stamp,
        updated_at=stamp,
    )


def _task(delivery: Delivery, not_before: datetime) -> DeliveryTask:
    return DeliveryTask(
        org_id=delivery.org_id,
        endpoint_id=delivery.endpoint_id,
        delivery_id=delivery.id,
        attempt=delivery.attempts + 1,
        not_before=isoformat(not_before),
    )


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _prefix(text: str) -> str:
    raw = text.encode()[:RESPONSE_PREFIX_BYTES]
    return raw.decode(errors="ignore")


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _ulid_floor(moment: datetime) -> str:
    """The smallest ULID of ``moment``'s millisecond (lowercase, as ids spell them)."""
    value = int(moment.timestamp() * 1000)
    chars = []
    for _ in range(10):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return ("".join(reversed(chars)) + "0" * 16).lower()
