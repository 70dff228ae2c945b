"""Notification use cases (doc/webhooks.md, "Notifications"): turn a notice into in-app entries
and emails for its recipients, exactly once per (event, recipient); the feed and its read marks;
email preferences and one-click unsubscribe; the console's live stream over the WebSocket API.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from chalicelib.audit.models import Actor, record
from chalicelib.core import errors
from chalicelib.core.clock import Clock, isoformat
from chalicelib.core.public_events import PublicEvent, public_event
from chalicelib.core.retry import retry_on_conflict
from chalicelib.notifications import payloads
from chalicelib.notifications.models import (
    CATEGORIES,
    CATEGORY_OF_TYPE,
    STREAM_TICKET_PREFIX,
    WEBHOOK_DISABLED,
    Feed,
    IssuedStreamTicket,
    Notice,
    Notification,
    Preferences,
    Recipient,
    StreamTicket,
    Subscriber,
    notification_id,
)
from chalicelib.notifications.ports import Connections, Mailer, NotificationStore, OrgDirectory, UnsubscribeSigner
from chalicelib.notifications.render import render_email

logger = logging.getLogger(__name__)

AUDIT_PREFERENCES = "notifications:preferences"
_READ_ALL_BATCH = 50


def ticket_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def notice_from(envelope: Mapping[str, Any]) -> Notice | None:
    """The notice an internal envelope (EventBridge ``detail``) stands for, or None when it tells
    nobody. ``webhook.disabled`` is internal only and handled here; every other type goes through
    the public mapping, so a notice keeps the public event's id and type."""
    if envelope.get("type") == WEBHOOK_DISABLED:
        data = dict(envelope.get("data") or {})
        org_id = data.get("org_id")
        if not isinstance(org_id, str):
            return None
        return Notice(
            event_id=str(envelope["id"]),
            type=WEBHOOK_DISABLED,
            time=str(envelope["time"]),
            org_id=org_id,
            subject=str(envelope.get("subject", "")),
            data=data,
        )
    event = public_event(envelope)
    return notice_of(event) if event is not None else None


def notice_of(event: PublicEvent) -> Notice | None:
    if event.type not in CATEGORY_OF_TYPE or event.org_id is None:
        return None
    return Notice(event.id, event.type, event.timestamp, event.org_id, event.subject, event.data)


@dataclass(frozen=True, slots=True)
class Delivered:
    recipients: int = 0
    in_app: int = 0
    emails: int = 0
    pushed: int = 0


class NotificationService:
    def __init__(
        self,
        store: NotificationStore,
        directory: OrgDirectory,
        mailer: Mailer,
        connections: Connections,
        signer: UnsubscribeSigner,
        clock: Clock,
        *,
        api_url: str,
        console_url: str,
        stream_url: str,
        ticket_ttl_seconds: int = 60,
    ) -> None:
        self._store = store
        self._directory = directory
        self._mailer = mailer
        self._connections = connections
        self._signer = signer
        self._clock = clock
        self._api_url = api_url.rstrip("/")
        self._console_url = console_url or api_url
        self._stream_url = stream_url
        self._ticket_ttl = timedelta(seconds=ticket_ttl_seconds)

    # The consumer ---------------------------------------------------------------------------

    def recipients(self, notice: Notice) -> list[Recipient]:
        """Members whose role the category names, plus the allocation's creator where it says so."""
        category = notice.category
        creator = notice.data.get("user_id") or notice.data.get("created_by")
        return [
            m
            for m in self._directory.members(notice.org_id)
            if m.role in category.roles or (category.creator and creator is not None and m.user_id == creator)
        ]

    def notify(self, notice: Notice) -> Delivered:
        """Each recipient's in-app entry (pushed to their open consoles) and, where their
        preferences allow, an email. Safe to repeat: what was done for a recipient is not done
        again. Raises after trying everyone when any email failed (the redelivery retries it)."""
        recipients = self.recipients(notice)
        org_name = self._directory.org_name(notice.org_id) or notice.org_id
        content = payloads.content(notice, org_name)
        now = isoformat(self._clock.now())
        in_app = emails = pushed = 0
        failed: list[str] = []
        for recipient in recipients:
            notification = Notification(
                id=notification_id(notice.event_id),
                user_id=recipient.user_id,
                org_id=notice.org_id,
                category=notice.category.name,
                event_id=notice.event_id,
                event_type=notice.type,
                title=content.title,
                body=content.summary,
                data=notice.data,
                created_at=notice.time,
            )
            if self._store.add(notification):
                in_app += 1
                pushed += self._push(notification)
            try:
                emails += self._email(notice, recipient, org_name, content, now)
            except Exception:
                logger.exception("notification email failed", extra={"user_id": recipient.user_id})
                failed.append(recipient.user_id)
        if failed:
            raise RuntimeError(f"{len(failed)} of {len(recipients)} emails of {notice.event_id} not sent")
        return Delivered(len(recipients), in_app, emails, pushed)

    def _email(self, notice: Notice, recipient: Recipient, org_name: str, content: payloads.Content, now: str) -> int:
        category = notice.category
        if not recipient.email or not self._store.preferences(recipient.user_id).emails(category.name):
            return 0
        if not self._store.claim_email(notice.event_id, recipient.user_id, now):
            return 0  # sent for an earlier delivery of the same event
        unsubscribe = None if category.mandatory else self.unsubscribe_url(recipient.user_id, category.name)
        email = render_email(
            content=content,
            org_name=org_name,
            recipient=recipient,
            category=category,
            console_url=self._console_url,
            unsubscribe_url=unsubscribe,
        )
        try:
            message_id = self._mailer.send(email)
        except Exception:
            self._store.release_email(notice.event_id, recipient.user_id)
            raise
        self._store.email_sent(notice.event_id, recipient.user_id, isoformat(self._clock.now()), message_id)
        return 1

    def _push(self, notification: Notification) -> int:
        frame = json.dumps({"type": "notification", "notification": payloads.notification_body(notification)})
        sent = 0
        for subscriber in self._store.subscribers(notification.user_id, notification.org_id):
            if self._connections.post(subscriber.connection_id, frame):
                sent += 1
            else:
                # API Gateway says the connection is gone ($disconnect may never have run).
                self._store.remove_subscriber(subscriber.connection_id)
        return sent

    # The feed -------------------------------------------------------------------------------

    def feed(self, org_id: str, user_id: str, limit: int, cursor: str | None) -> Feed:
        return self._store.feed(org_id, user_id, limit, cursor)

    def mark_read(self, org_id: str, user_id: str, notification_id_: str) -> Notification:
        found = self._store.get(org_id, user_id, notification_id_)
        if found is None:
            raise errors.NotificationNotFoundError()
        if found.read_at is not None:
            return found
        at = isoformat(self._clock.now())
        self._store.mark_read(found, at)
        return replace(found, read_at=at)

    def mark_all_read(self, org_id: str, user_id: str) -> int:
        at = isoformat(self._clock.now())
        marked = 0
        while True:
            batch = self._store.unread(org_id, user_id, _READ_ALL_BATCH)
            if not batch:
                return marked
            marked += self._store.mark_all_read(batch, at)

    # Preferences ----------------------------------------------------------------------------

    def preferences(self, user_id: str) -> Preferences:
        return self._store.preferences(user_id)

    def set_preferences(self, actor: Actor, email: Mapping[str, bool]) -> Preferences:
        unknown = sorted(set(email) - set(CATEGORIES))
        if unknown:
            raise errors.ValidationFailedError(f"Unknown notification categories: {', '.join(unknown)}")
        refused = sorted(name for name, on in email.items() if not on and CATEGORIES[name].mandatory)
        if refused:
            raise errors.NotificationCategoryMandatoryError(
                f"{', '.join(refused)} cannot be turned off: they concern money already at stake"
            )
        return self._change(actor.user_id, dict(email), actor)

    def _change(self, user_id: str, changes: dict[str, bool], actor: Actor | None) -> Preferences:
        def attempt() -> Preferences:
            before = self._store.preferences(user_id)
            at = isoformat(self._clock.now())
            after = replace(before, email={**before.email, **changes}, version=before.version + 1, updated_at=at)
            audit = (
                record(
                    AUDIT_PREFERENCES,
                    user_id,
                    actor,
                    at,
                    before=payloads.preferences_body(before)["email"],
                    after=payloads.preferences_body(after)["email"],
                )
                if actor is not None
                else None
            )
            self._store.save_preferences(before, after, audit)
            return after

        return retry_on_conflict(attempt)

    def unsubscribe_url(self, user_id: str, category: str) -> str:
        token = self._signer.sign(user_id, category)
        return f"{self._api_url}/v1/notifications/unsubscribe?token={quote(token)}"

    def check_unsubscribe(self, token: str) -> tuple[str, str]:
        user_id, category = self._signer.verify(token)
        if category not in CATEGORIES or CATEGORIES[category].mandatory:
            raise errors.UnsubscribeTokenInvalidError()
        return user_id, category

    def unsubscribe(self, token: str) -> tuple[str, str]:
        """The link in an email: turn its category off for its user, without signing in."""
        user_id, category = self.check_unsubscribe(token)
        self._change(user_id, {category: False}, None)
        return user_id, category

    # The live stream ------------------------------------------------------------------------

    def open_stream(self, org_id: str, user_id: str) -> IssuedStreamTicket:
        """A one-time ticket to connect the console to the WebSocket API (``?ticket=``)."""
        secret = STREAM_TICKET_PREFIX + secrets.token_urlsafe(32)
        expires_at = isoformat(self._clock.now() + self._ticket_ttl)
        self._store.add_ticket(StreamTicket(ticket_hash(secret), user_id, org_id, expires_at))
        return IssuedStreamTicket(ticket=secret, url=self._stream_url, expires_at=expires_at)

    def subscribe(self, connection_id: str, ticket: str) -> Subscriber:
        """``$connect`` with a stream ticket: the connection receives the user's new notifications."""
        at = isoformat(self._clock.now())
        found = self._store.consume_ticket(ticket_hash(ticket), at)
        if found is None:
            raise errors.NotificationTicketInvalidError()
        subscriber = Subscriber(connection_id, found.user_id, found.org_id, at)
        self._store.add_subscriber(subscriber)
        return subscriber

    def disconnect(self, connection_id: str) -> bool:
        return self._store.remove_subscriber(connection_id)
