from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.unsubscribed_category import UnsubscribedCategory, check_unsubscribed_category

T = TypeVar("T", bound="Unsubscribed")


@_attrs_define
class Unsubscribed:
    category: UnsubscribedCategory
    email: Literal[False]

    def to_dict(self) -> dict[str, Any]:
        category: str = self.category

        email = self.email

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "category": category,
                "email": email,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        category = check_unsubscribed_category(d.pop("category"))

        email = cast(Literal[False], d.pop("email"))
        if email != False:
            raise ValueError(f"email must match const False, got '{email}'")

        unsubscribed = cls(
            category=category,
            email=email,
        )

        return unsubscribed
