"""In-memory notifications: a store with DynamoDB's semantics (each conditional write refuses as
chalicelib.storage.notification_repo does), an org directory, a mailer that keeps what it sent (and
can be told to fail), and a service wired on them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from chalicelib.audit.models import AuditRecord
from chalicelib.core import errors
from chalicelib.notifications.models import (
    Email,
    Feed,
    Notification,
    Preferences,
    Recipient,
    StreamTicket,
    Subscriber,
)
from chalicelib.notifications.service import NotificationService
from chalicelib.notifications.tokens import JwtUnsubscribeSigner, derive_key
from tests.fakes.clock import FakeClock
from tests.fakes.terminal import FakeConnections


@dataclass
class NotificationStoreState:
    feeds: dict[tuple[str, str], dict[str, Notification]] = field(default_factory=dict)
    unread: dict[tuple[str, str], int] = field(default_factory=dict)
    emails: dict[tuple[str, str], str] = field(default_factory=dict)  # (event, user) -> sending | sent
    preferences: dict[str, Preferences] = field(default_factory=dict)
    tickets: dict[str, StreamTicket] = field(default_factory=dict)
    subscribers: dict[str, Subscriber] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)


class FakeNotificationStore:
    def __init__(self, state: NotificationStoreState | None = None) -> None:
        self.s = state or NotificationStoreState()

    def add(self, notification: Notification) -> bool:
        key = (notification.org_id, notification.user_id)
        feed = self.s.feeds.setdefault(key, {})
        if notification.id in feed:
            return False
        feed[notification.id] = notification
        self.s.unread[key] = self.s.unread.get(key, 0) + 1
        return True

    def feed(self, org_id: str, user_id: str, limit: int, cursor: str | None) -> Feed:
        entries = sorted(self.s.feeds.get((org_id, user_id), {}).values(), key=lambda n: n.id, reverse=True)
        if cursor is not None:
            entries = [n for n in entries if n.id < cursor]
        page = entries[:limit]
        more = len(entries) > limit
        return Feed(page, page[-1].id if more and page else None, max(0, self.s.unread.get((org_id, user_id), 0)))

    def get(self, org_id: str, user_id: str, notification_id: str) -> Notification | None:
        return self.s.feeds.get((org_id, user_id), {}).get(notification_id)

    def mark_read(self, notification: Notification, at: str) -> bool:
        return self.mark_all_read([notification], at) == 1

    def unread(self, org_id: str, user_id: str, limit: int) -> list[Notification]:
        entries = [n for n in self.s.feeds.get((org_id, user_id), {}).values() if n.read_at is None]
        return entries[:limit]

    def mark_all_read(self, notifications: list[Notification], at: str) -> int:
        marked = 0
        for n in notifications:
            feed = self.s.feeds.get((n.org_id, n.user_id), {})
            stored = feed.get(n.id)
            if stored is not None and stored.read_at is None:
                feed[n.id] = replace(stored, read_at=at)
                self.s.unread[(n.org_id, n.user_id)] -= 1
                marked += 1
        return marked

    def preferences(self, user_id: str) -> Preferences:
        return self.s.preferences.get(user_id, Preferences(user_id))

    def save_preferences(self, before: Preferences, after: Preferences, audit: AuditRecord | None) -> None:
        if self.preferences(before.user_id).version != before.version:
            raise errors.ConcurrentUpdateError()
        self.s.preferences[after.user_id] = after
        if audit is not None:
            self.s.audit.append(audit)

    def claim_email(self, event_id: str, user_id: str, at: str) -> bool:
        if (event_id, user_id) in self.s.emails:
            return False
        self.s.emails[(event_id, user_id)] = "sending"
        return True

    def email_sent(self, event_id: str, user_id: str, at: str, message_id: str) -> None:
        self.s.emails[(event_id, user_id)] = "sent"

    def release_email(self, event_id: str, user_id: str) -> None:
        if self.s.emails.get((event_id, user_id)) == "sending":
            del self.s.emails[(event_id, user_id)]

    def add_ticket(self, ticket: StreamTicket) -> None:
        if ticket.token_hash in self.s.tickets:
            raise errors.ConcurrentUpdateError()
        self.s.tickets[ticket.token_hash] = ticket

    def consume_ticket(self, token_hash: str, at: str) -> StreamTicket | None:
        found = self.s.tickets.get(token_hash)
        if found is None or found.used_at is not None or found.expires_at <= at:
            return None
        used = replace(found, used_at=at)
        self.s.tickets[token_hash] = used
        return used

    def add_subscriber(self, subscriber: Subscriber) -> None:
        self.s.subscribers[subscriber.connection_id] = subscriber

    def subscribers(self, user_id: str, org_id: str) -> list[Subscriber]:
        return [s for s in self.s.subscribers.values() if (s.user_id, s.org_id) == (user_id, org_id)]

    def remove_subscriber(self, connection_id: str) -> bool:
        return self.s.subscribers.pop(connection_id, None) is not None


class FakeDirectory:
    def __init__(self) -> None:
        self.orgs: dict[str, str] = {}
        self.people: dict[str, list[Recipient]] = {}

    def add(self, org_id: str, name: str, *members: Recipient) -> None:
        self.orgs[org_id] = name
        self.people.setdefault(org_id, []).extend(members)

    def org_name(self, org_id: str) -> str | None:
        return self.orgs.get(org_id)

    def members(self, org_id: str) -> list[Recipient]:
        return list(self.people.get(org_id, []))


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[Email] = []
        self.failures = 0  # the next this many sends fail

    def send(self, email: Email) -> str:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("SES is unavailable")
        self.sent.append(email)
        return f"msg-{len(self.sent)}"


@dataclass
class NotificationRig:
    service: NotificationService
    store: FakeNotificationStore
    directory: FakeDirectory
    mailer: FakeMailer
    connections: FakeConnections
    clock: FakeClock


def notification_rig() -> NotificationRig:
    store, directory, mailer, connections, clock = (
        FakeNotificationStore(), FakeDirectory(), FakeMailer(), FakeConnections(), FakeClock()
    )  # fmt: skip
    signer = JwtUnsubscribeSigner(derive_key("test-master-key"), clock)
    service = NotificationService(
        store, directory, mailer, connections, signer, clock,
        api_url="https://api.gpuaas.example", console_url="https://console.gpuaas.example",
        stream_url="wss://ws.gpuaas.example/prod", ticket_ttl_seconds=60,
    )  # fmt: skip
    return NotificationRig(service, store, directory, mailer, connections, clock)
