from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.notification_preferences_body_email import NotificationPreferencesBodyEmail


T = TypeVar("T", bound="NotificationPreferencesBody")


@_attrs_define
class NotificationPreferencesBody:
    """Categories to turn on or off by email; those left out keep their setting."""

    email: NotificationPreferencesBodyEmail

    def to_dict(self) -> dict[str, Any]:
        email = self.email.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "email": email,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.notification_preferences_body_email import NotificationPreferencesBodyEmail  # noqa: PLC0415

        d = dict(src_dict)
        email = NotificationPreferencesBodyEmail.from_dict(d.pop("email"))

        notification_preferences_body = cls(
            email=email,
        )

        return notification_preferences_body
