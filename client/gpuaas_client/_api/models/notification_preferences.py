from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.notification_preferences_categories_item import NotificationPreferencesCategoriesItem
    from ..models.notification_preferences_email import NotificationPreferencesEmail


T = TypeVar("T", bound="NotificationPreferences")


@_attrs_define
class NotificationPreferences:
    email: NotificationPreferencesEmail
    """ Category -> sent by email. """
    categories: list[NotificationPreferencesCategoriesItem]
    updated_at: None | str

    def to_dict(self) -> dict[str, Any]:
        email = self.email.to_dict()

        categories = []
        for categories_item_data in self.categories:
            categories_item = categories_item_data.to_dict()
            categories.append(categories_item)

        updated_at: None | str
        updated_at = self.updated_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "email": email,
                "categories": categories,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.notification_preferences_categories_item import NotificationPreferencesCategoriesItem  # noqa: PLC0415
        from ..models.notification_preferences_email import NotificationPreferencesEmail  # noqa: PLC0415

        d = dict(src_dict)
        email = NotificationPreferencesEmail.from_dict(d.pop("email"))

        categories = []
        _categories = d.pop("categories")
        for categories_item_data in _categories:
            categories_item = NotificationPreferencesCategoriesItem.from_dict(categories_item_data)

            categories.append(categories_item)

        def _parse_updated_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        updated_at = _parse_updated_at(d.pop("updated_at"))

        notification_preferences = cls(
            email=email,
            categories=categories,
            updated_at=updated_at,
        )

        return notification_preferences
