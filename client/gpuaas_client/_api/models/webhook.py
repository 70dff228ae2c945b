from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.webhook_disabled_reason_type_1 import WebhookDisabledReasonType1, check_webhook_disabled_reason_type_1

T = TypeVar("T", bound="Webhook")


@_attrs_define
class Webhook:
    id: str
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    operator: bool
    """ Made by a platform operator: may receive node.* events. """
    disabled_reason: None | WebhookDisabledReasonType1
    """ Why the platform disabled it: `gone` (410), `failing` (5 days of failures); null otherwise. """
    failing_since: None | str
    """ The first failed attempt since the last success. """
    previous_secret_expires_at: None | str
    """ Until when the secret retired by the last rotation still signs. """
    created_at: str
    updated_at: str
    version: int
    """ Send as If-Match to PATCH. """

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        url = self.url

        event_types = self.event_types

        description = self.description

        enabled = self.enabled

        operator = self.operator

        disabled_reason: None | str
        if isinstance(self.disabled_reason, str):
            disabled_reason = self.disabled_reason
        else:
            disabled_reason = self.disabled_reason

        failing_since: None | str
        failing_since = self.failing_since

        previous_secret_expires_at: None | str
        previous_secret_expires_at = self.previous_secret_expires_at

        created_at = self.created_at

        updated_at = self.updated_at

        version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "url": url,
                "event_types": event_types,
                "description": description,
                "enabled": enabled,
                "operator": operator,
                "disabled_reason": disabled_reason,
                "failing_since": failing_since,
                "previous_secret_expires_at": previous_secret_expires_at,
                "created_at": created_at,
                "updated_at": updated_at,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        url = d.pop("url")

        event_types = cast(list[str], d.pop("event_types"))

        description = d.pop("description")

        enabled = d.pop("enabled")

        operator = d.pop("operator")

        def _parse_disabled_reason(data: object) -> None | WebhookDisabledReasonType1:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                disabled_reason_type_1 = check_webhook_disabled_reason_type_1(data)

                return disabled_reason_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | WebhookDisabledReasonType1, data)

        disabled_reason = _parse_disabled_reason(d.pop("disabled_reason"))

        def _parse_failing_since(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        failing_since = _parse_failing_since(d.pop("failing_since"))

        def _parse_previous_secret_expires_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        previous_secret_expires_at = _parse_previous_secret_expires_at(d.pop("previous_secret_expires_at"))

        created_at = d.pop("created_at")

        updated_at = d.pop("updated_at")

        version = d.pop("version")

        webhook = cls(
            id=id,
            url=url,
            event_types=event_types,
            description=description,
            enabled=enabled,
            operator=operator,
            disabled_reason=disabled_reason,
            failing_since=failing_since,
            previous_secret_expires_at=previous_secret_expires_at,
            created_at=created_at,
            updated_at=updated_at,
            version=version,
        )

        return webhook
