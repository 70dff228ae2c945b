from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.public_event_data import PublicEventData


T = TypeVar("T", bound="PublicEvent")


@_attrs_define
class PublicEvent:
    """A public event exactly as a webhook delivery carries it (Standard Webhooks body); `data` per type in
    `events/public/<type>.json` and doc/webhooks.md.

    """

    id: str
    """ The internal event's id; the `webhook-id` of every delivery of it. """
    type_: str
    """ One of the public types (doc/webhooks.md). """
    timestamp: str
    """ When the change committed. """
    data: PublicEventData
    """ The resource with its `version`. """

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        type_ = self.type_

        timestamp = self.timestamp

        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "type": type_,
                "timestamp": timestamp,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.public_event_data import PublicEventData  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        type_ = d.pop("type")

        timestamp = d.pop("timestamp")

        data = PublicEventData.from_dict(d.pop("data"))

        public_event = cls(
            id=id,
            type_=type_,
            timestamp=timestamp,
            data=data,
        )

        return public_event
