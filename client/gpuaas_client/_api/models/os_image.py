from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.os_image_status import OsImageStatus, check_os_image_status

T = TypeVar("T", bound="OsImage")


@_attrs_define
class OsImage:
    id: str
    name: str
    family: str
    version: str
    container_image: str
    status: OsImageStatus
    created_at: str
    cuda_version: None | str

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        family = self.family

        version = self.version

        container_image = self.container_image

        status: str = self.status

        created_at = self.created_at

        cuda_version: None | str
        cuda_version = self.cuda_version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "name": name,
                "family": family,
                "version": version,
                "container_image": container_image,
                "status": status,
                "created_at": created_at,
                "cuda_version": cuda_version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        family = d.pop("family")

        version = d.pop("version")

        container_image = d.pop("container_image")

        status = check_os_image_status(d.pop("status"))

        created_at = d.pop("created_at")

        def _parse_cuda_version(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        cuda_version = _parse_cuda_version(d.pop("cuda_version"))

        os_image = cls(
            id=id,
            name=name,
            family=family,
            version=version,
            container_image=container_image,
            status=status,
            created_at=created_at,
            cuda_version=cuda_version,
        )

        return os_image
