from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="FieldProblem")


@_attrs_define
class FieldProblem:
    field: str
    """ Dotted path of the field, or `(body)`. """
    problem: str

    def to_dict(self) -> dict[str, Any]:
        field = self.field

        problem = self.problem

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "field": field,
                "problem": problem,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        field = d.pop("field")

        problem = d.pop("problem")

        field_problem = cls(
            field=field,
            problem=problem,
        )

        return field_problem
