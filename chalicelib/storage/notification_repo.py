"""DynamoDB side of notifications (doc/data-model.md): feeds with their unread counters, the email
claims that make each email go once, preferences, stream tickets and live subscribers."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.audit.models import AuditRecord
from chalicelib.core import errors
from chalicelib.core.clock import Clock, SystemClock
from chalicelib.notifications.models import (
    Feed,
    Notification,
    Preferences,
    Recipient,
    StreamTicket,
    Subscriber,
)
from chalicelib.storage import keys
from chalicelib.storage.identity_repo import DynamoIdentityReader
from chalicelib.storage.pagination import decode_cursor, encode_cursor, query_page
from chalicelib.storage.table import (
    NotificationCounterItem,
    NotificationEmailItem,
    NotificationItem,
    NotificationPreferencesItem,
    NotificationSubscriberItem,
    NotificationTicketItem,
    TableItem,
    bind_table,
    get_item,
)
from chalicelib.storage.unit_of_work import DynamoUnitOfWork

# How long things are kept: a feed entry half a year, an email's record a month (redeliveries come
# within days: SQS keeps a message 4 days, its DLQ 14), a ticket a day past its expiry, a
# subscriber as long as API Gateway keeps a connection (2 hours) and a little more.
FEED_TTL = timedelta(days=180)
EMAIL_RECORD_TTL = timedelta(days=30)
TICKET_KEPT_AFTER_EXPIRY = timedelta(days=1)
SUBSCRIBER_TTL = timedelta(hours=3)
# A claim older than this belongs to a send that died mid-way; the next delivery may take it over.
EMAIL_CLAIM_LEASE = timedelta(minutes=5)


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def notification_from(i: NotificationItem) -> Notification:
    return Notification(
        id=i.id,
        user_id=i.user_id,
        org_id=i.org_id,
        category=i.category,
        event_id=i.event_id,
        event_type=i.event_type,
        title=i.title,
        body=i.body,
        data=dict(i.data or {}),
        created_at=i.created_at,
        read_at=i.read_at,
    )


def notification_item(n: Notification) -> NotificationItem:
    pk, sk = keys.notification(n.org_id, n.user_id, n.id)
    return NotificationItem(
        PK=pk,
        SK=sk,
        id=n.id,
        user_id=n.user_id,
        org_id=n.org_id,
        category=n.category,
        event_id=n.event_id,
        event_type=n.event_type,
        title=n.title,
        body=n.body,
        data=n.data,
        created_at=n.created_at,
        read_at=n.read_at,
        ttl=_at(n.created_at) + FEED_TTL,
    )


class DynamoOrgDirectory:
    """notifications' ``OrgDirectory`` over identity's items: the org and its memberships (one
    GetItem and one Query per page of members)."""

    def __init__(self, reader: DynamoIdentityReader | None = None) -> None:
        self._reader = reader or DynamoIdentityReader()

    def org_name(self, org_id: str) -> str | None:
        org = self._reader.get_org(org_id)
        return org.name if org else None

    def members(self, org_id: str) -> list[Recipient]:
        found: list[Recipient] = []
        cursor: str | None = None
        while True:
            page = self._reader.list_members(org_id, 100, cursor)
            found.extend(Recipient(m.user_id, m.email, m.name, m.role) for m in page.items)
            cursor = page.next_cursor
            if cursor is None:
                return found


class DynamoNotificationStore:
    def __init__(self, clock: Clock | None = None) -> None:
        bind_table()
        self._clock = clock or SystemClock()

    def _uow(self) -> DynamoUnitOfWork:
        return DynamoUnitOfWork(self._clock)

    # Feeds ----------------------------------------------------------------------------------

    def add(self, notification: Notification) -> bool:
        pk, sk = keys.notification_counter(notification.org_id, notification.user_id)
        uow = self._uow()
        uow.put(
            notification_item(notification),
            condition=NotificationItem.PK.does_not_exist(),
            error=errors.ConcurrentUpdateError,
        )
        uow.update(
            NotificationCounterItem(PK=pk, SK=sk),
            [NotificationCounterItem.type.set(NotificationCounterItem), NotificationCounterItem.unread.add(1)],
        )
        try:
            uow.commit()
        except errors.ConcurrentUpdateError:
            if self.get(notification.org_id, notification.user_id, notification.id) is not None:
                return False  # written by an earlier delivery of the same event
            raise
        return True

    def get(self, org_id: str, user_id: str, notification_id: str) -> Notification | None:
        item = get_item(NotificationItem, keys.notification(org_id, user_id, notification_id), consistent=True)
        return notification_from(item) if item else None

    def _unread_count(self, org_id: str, user_id: str) -> int:
        item = get_item(NotificationCounterItem, keys.notification_counter(org_id, user_id))
        return max(0, int(item.unread or 0)) if item else 0

    def feed(self, org_id: str, user_id: str, limit: int, cursor: str | None) -> Feed:
        partition = keys.notifications_partition(org_id, user_id)
        start = decode_cursor(cursor, key_attributes=("PK", "SK"), partition=("PK", partition))
        items, last = query_page(
            TableItem.query,
            partition,
            range_key_condition=TableItem.SK.startswith(keys.NOTIFICATION_PREFIX),
            limit=limit,
            start_key=start,
            scan_index_forward=False,
        )
        entries = [notification_from(i) for i in items if isinstance(i, NotificationItem)]
        return Feed(entries, encode_cursor(last), self._unread_count(org_id, user_id))

    def mark_read(self, notification: Notification, at: str) -> bool:
        return self.mark_all_read([notification], at) == 1

    def unread(self, org_id: str, user_id: str, limit: int) -> list[Notification]:
        results = TableItem.query(
            keys.notifications_partition(org_id, user_id),
            range_key_condition=TableItem.SK.startswith(keys.NOTIFICATION_PREFIX),
            filter_condition=NotificationItem.read_at.does_not_exist(),
            consistent_read=True,
        )
        found: list[Notification] = []
        for item in results:
            if isinstance(item, NotificationItem):
                found.append(notification_from(item))
                if len(found) >= limit:
                    break
        return found

    def mark_all_read(self, notifications: list[Notification], at: str) -> int:
        if not notifications:
            return 0
        first = notifications[0]
        uow = self._uow()
        for n in notifications:
            pk, sk = keys.notification(n.org_id, n.user_id, n.id)
            uow.update(
                NotificationItem(PK=pk, SK=sk),
                [NotificationItem.read_at.set(at)],
                condition=NotificationItem.PK.exists() & NotificationItem.read_at.does_not_exist(),
                error=errors.ConcurrentUpdateError,
            )
        pk, sk = keys.notification_counter(first.org_id, first.user_id)
        uow.update(
            NotificationCounterItem(PK=pk, SK=sk),
            [
                NotificationCounterItem.type.set(NotificationCounterItem),
                NotificationCounterItem.unread.add(-len(notifications)),
            ],
        )
        try:
            uow.commit()
        except errors.ConcurrentUpdateError:
            # Another request marked one of them meanwhile: mark them one by one.
            if len(notifications) == 1:
                return 0
            return sum(self.mark_all_read([n], at) for n in notifications)
        return len(notifications)

    # Preferences ----------------------------------------------------------------------------

    def preferences(self, user_id: str) -> Preferences:
        item = get_item(NotificationPreferencesItem, keys.notification_preferences(user_id), consistent=True)
        if item is None:
            return Preferences(user_id)
        email = {str(k): bool(v) for k, v in dict(item.email or {}).items()}
        return Preferences(user_id, email, int(item.version), item.updated_at)

    def save_preferences(self, before: Preferences, after: Preferences, audit: AuditRecord | None) -> None:
        pk, sk = keys.notification_preferences(after.user_id)
        condition = (
            NotificationPreferencesItem.PK.does_not_exist()
            if before.version == 0
            else NotificationPreferencesItem.version == before.version
        )
        uow = self._uow()
        uow.put(
            NotificationPreferencesItem(
                PK=pk,
                SK=sk,
                user_id=after.user_id,
                email=after.email,
                version=after.version,
                updated_at=after.updated_at,
            ),
            condition=condition,
            error=errors.ConcurrentUpdateError,
        )
        if audit is not None:
            uow.audit(audit)
        uow.commit()

    # Emails ---------------------------------------------------------------------------------

    def claim_email(self, event_id: str, user_id: str, at: str) -> bool:
        pk, sk = keys.notification_email(event_id, user_id)
        stale = _iso(_at(at) - EMAIL_CLAIM_LEASE)
        item = NotificationEmailItem(
            PK=pk, SK=sk, event_id=event_id, user_id=user_id, state="sending", claimed_at=at,
            ttl=_at(at) + EMAIL_RECORD_TTL,
        )  # fmt: skip
        try:
            item.save(
                condition=NotificationEmailItem.PK.does_not_exist()
                | ((NotificationEmailItem.state == "sending") & (NotificationEmailItem.claimed_at < stale))
            )
        except Exception as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def email_sent(self, event_id: str, user_id: str, at: str, message_id: str) -> None:
        pk, sk = keys.notification_email(event_id, user_id)
        NotificationEmailItem(PK=pk, SK=sk).update(
            actions=[
                NotificationEmailItem.state.set("sent"),
                NotificationEmailItem.sent_at.set(at),
                NotificationEmailItem.message_id.set(message_id),
            ],
            add_version_condition=False,
        )

    def release_email(self, event_id: str, user_id: str) -> None:
        pk, sk = keys.notification_email(event_id, user_id)
        NotificationEmailItem(PK=pk, SK=sk).delete(
            condition=NotificationEmailItem.state == "sending", add_version_condition=False
        )

    # The live stream ------------------------------------------------------------------------

    def add_ticket(self, ticket: StreamTicket) -> None:
        pk, sk = keys.notification_ticket(ticket.token_hash)
        NotificationTicketItem(
            PK=pk, SK=sk, user_id=ticket.user_id, org_id=ticket.org_id, expires_at=ticket.expires_at,
            ttl=_at(ticket.expires_at) + TICKET_KEPT_AFTER_EXPIRY,
        ).save(condition=NotificationTicketItem.PK.does_not_exist())  # fmt: skip

    def consume_ticket(self, token_hash: str, at: str) -> StreamTicket | None:
        pk, sk = keys.notification_ticket(token_hash)
        item = NotificationTicketItem(PK=pk, SK=sk)
        try:
            # Single use even when two connections race with the same ticket: only one update holds.
            item.update(
                actions=[NotificationTicketItem.used_at.set(at)],
                condition=NotificationTicketItem.PK.exists()
                & NotificationTicketItem.used_at.does_not_exist()
                & (NotificationTicketItem.expires_at > at),
                add_version_condition=False,
            )
        except Exception as exc:
            if _condition_failed(exc):
                return None
            raise
        return StreamTicket(token_hash, item.user_id, item.org_id, item.expires_at, at)

    def add_subscriber(self, subscriber: Subscriber) -> None:
        pk, sk = keys.notification_subscriber(subscriber.connection_id)
        NotificationSubscriberItem(
            PK=pk, SK=sk,
            GSI1PK=keys.subscribers_of(subscriber.user_id, subscriber.org_id), GSI1SK=subscriber.connection_id,
            connection_id=subscriber.connection_id, user_id=subscriber.user_id, org_id=subscriber.org_id,
            connected_at=subscriber.connected_at, ttl=_at(subscriber.connected_at) + SUBSCRIBER_TTL,
        ).save()  # fmt: skip

    def subscribers(self, user_id: str, org_id: str) -> list[Subscriber]:
        return [
            Subscriber(i.connection_id, i.user_id, i.org_id, i.connected_at)
            for i in TableItem.gsi1.query(keys.subscribers_of(user_id, org_id))
            if isinstance(i, NotificationSubscriberItem)
        ]

    def remove_subscriber(self, connection_id: str) -> bool:
        pk, sk = keys.notification_subscriber(connection_id)
        try:
            NotificationSubscriberItem(PK=pk, SK=sk).delete(
                condition=NotificationSubscriberItem.PK.exists(), add_version_condition=False
            )
        except Exception as exc:
            if _condition_failed(exc):
                return False
            raise
        return True


def _condition_failed(exc: Exception) -> bool:
    cause = getattr(exc, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"
