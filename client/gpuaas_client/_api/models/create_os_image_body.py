from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateOsImageBody")


@_attrs_define
class CreateOsImageBody:
    name: str
    """ lowercase, digits, dashes """
    family: str
    version: str
    container_image: str
    cuda_version: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        family = self.family

        version = self.version

        container_image = self.container_image

        cuda_version: None | str | Unset
        if isinstance(self.cuda_version, Unset):
            cuda_version = UNSET
        else:
            cuda_version = self.cuda_version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "family": family,
                "version": version,
                "container_image": container_image,
            }
        )
        if cuda_version is not UNSET:
            field_dict["cuda_version"] = cuda_version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        family = d.pop("family")

        version = d.pop("version")

        container_image = d.pop("container_image")

        def _parse_cuda_version(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cuda_version = _parse_cuda_version(d.pop("cuda_version", UNSET))

        create_os_image_body = cls(
            name=name,
            family=family,
            version=version,
            container_image=container_image,
            cuda_version=cuda_version,
        )

        return create_os_image_body
