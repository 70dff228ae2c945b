from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.public_event import PublicEvent


T = TypeVar("T", bound="EventFeedPage")


@_attrs_define
class EventFeedPage:
    items: list[PublicEvent]
    next_cursor: str
    """ Where the next read starts (pass it as `after`); never null. """

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "items": items,
                "next_cursor": next_cursor,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.public_event import PublicEvent  # noqa: PLC0415

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = PublicEvent.from_dict(items_item_data)

            items.append(items_item)

        next_cursor = d.pop("next_cursor")

        event_feed_page = cls(
            items=items,
            next_cursor=next_cursor,
        )

        return event_feed_page
