from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.notification_preferences_categories_item_name import (
    NotificationPreferencesCategoriesItemName,
    check_notification_preferences_categories_item_name,
)

T = TypeVar("T", bound="NotificationPreferencesCategoriesItem")


@_attrs_define
class NotificationPreferencesCategoriesItem:
    name: NotificationPreferencesCategoriesItemName
    title: str
    email: bool
    mandatory: bool
    """ Money-critical: always sent by email. """

    def to_dict(self) -> dict[str, Any]:
        name: str = self.name

        title = self.title

        email = self.email

        mandatory = self.mandatory

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "title": title,
                "email": email,
                "mandatory": mandatory,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = check_notification_preferences_categories_item_name(d.pop("name"))

        title = d.pop("title")

        email = d.pop("email")

        mandatory = d.pop("mandatory")

        notification_preferences_categories_item = cls(
            name=name,
            title=title,
            email=email,
            mandatory=mandatory,
        )

        return notification_preferences_categories_item
