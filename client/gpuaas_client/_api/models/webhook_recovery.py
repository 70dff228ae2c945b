from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="WebhookRecovery")


@_attrs_define
class WebhookRecovery:
    since: str
    deliveries: int

    def to_dict(self) -> dict[str, Any]:
        since = self.since

        deliveries = self.deliveries

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "since": since,
                "deliveries": deliveries,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        since = d.pop("since")

        deliveries = d.pop("deliveries")

        webhook_recovery = cls(
            since=since,
            deliveries=deliveries,
        )

        return webhook_recovery
