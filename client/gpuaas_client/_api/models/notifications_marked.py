from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="NotificationsMarked")


@_attrs_define
class NotificationsMarked:
    marked: int
    unread_count: int

    def to_dict(self) -> dict[str, Any]:
        marked = self.marked

        unread_count = self.unread_count

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "marked": marked,
                "unread_count": unread_count,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        marked = d.pop("marked")

        unread_count = d.pop("unread_count")

        notifications_marked = cls(
            marked=marked,
            unread_count=unread_count,
        )

        return notifications_marked
