from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.cloud_event_data import CloudEventData


T = TypeVar("T", bound="CloudEvent")


@_attrs_define
class CloudEvent:
    """A CloudEvents 1.0 envelope; `data` follows the JSON Schema named by `dataschema`."""

    specversion: Literal["1.0"]
    id: str
    source: str
    type_: str
    time: str
    subject: str
    datacontenttype: Literal["application/json"]
    dataschema: str
    data: CloudEventData
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        specversion = self.specversion

        id = self.id

        source = self.source

        type_ = self.type_

        time = self.time

        subject = self.subject

        datacontenttype = self.datacontenttype

        dataschema = self.dataschema

        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "specversion": specversion,
                "id": id,
                "source": source,
                "type": type_,
                "time": time,
                "subject": subject,
                "datacontenttype": datacontenttype,
                "dataschema": dataschema,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cloud_event_data import CloudEventData  # noqa: PLC0415

        d = dict(src_dict)
        specversion = cast(Literal["1.0"], d.pop("specversion"))
        if specversion != "1.0":
            raise ValueError(f"specversion must match const '1.0', got '{specversion}'")

        id = d.pop("id")

        source = d.pop("source")

        type_ = d.pop("type")

        time = d.pop("time")

        subject = d.pop("subject")

        datacontenttype = cast(Literal["application/json"], d.pop("datacontenttype"))
        if datacontenttype != "application/json":
            raise ValueError(f"datacontenttype must match const 'application/json', got '{datacontenttype}'")

        dataschema = d.pop("dataschema")

        data = CloudEventData.from_dict(d.pop("data"))

        cloud_event = cls(
            specversion=specversion,
            id=id,
            source=source,
            type_=type_,
            time=time,
            subject=subject,
            datacontenttype=datacontenttype,
            dataschema=dataschema,
            data=data,
        )

        cloud_event.additional_properties = d
        return cloud_event

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
