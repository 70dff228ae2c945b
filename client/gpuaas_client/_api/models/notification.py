from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.notification_category import NotificationCategory, check_notification_category

if TYPE_CHECKING:
    from ..models.notification_data import NotificationData


T = TypeVar("T", bound="Notification")


@_attrs_define
class Notification:
    id: str
    """ From the event's id: one per event and user. """
    category: NotificationCategory
    event_id: str
    """ The public event's id (`evt_…`), as webhooks and the event feed carry it. """
    event_type: str
    """ The public event type (`balance.low`, ...) or `webhook.disabled`. """
    title: str
    body: str
    data: NotificationData
    """ The event's data. """
    created_at: str
    """ When the event happened. """
    read_at: None | str
    read: bool

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        category: str = self.category

        event_id = self.event_id

        event_type = self.event_type

        title = self.title

        body = self.body

        data = self.data.to_dict()

        created_at = self.created_at

        read_at: None | str
        read_at = self.read_at

        read = self.read

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "category": category,
                "event_id": event_id,
                "event_type": event_type,
                "title": title,
                "body": body,
                "data": data,
                "created_at": created_at,
                "read_at": read_at,
                "read": read,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.notification_data import NotificationData  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        category = check_notification_category(d.pop("category"))

        event_id = d.pop("event_id")

        event_type = d.pop("event_type")

        title = d.pop("title")

        body = d.pop("body")

        data = NotificationData.from_dict(d.pop("data"))

        created_at = d.pop("created_at")

        def _parse_read_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        read_at = _parse_read_at(d.pop("read_at"))

        read = d.pop("read")

        notification = cls(
            id=id,
            category=category,
            event_id=event_id,
            event_type=event_type,
            title=title,
            body=body,
            data=data,
            created_at=created_at,
            read_at=read_at,
            read=read,
        )

        return notification
