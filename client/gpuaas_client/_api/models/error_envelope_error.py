from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.error_code import ErrorCode, check_error_code
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.error_envelope_error_details_type_1 import ErrorEnvelopeErrorDetailsType1
    from ..models.field_problem import FieldProblem


T = TypeVar("T", bound="ErrorEnvelopeError")


@_attrs_define
class ErrorEnvelopeError:
    code: ErrorCode
    """ Every error code a client can see (chalicelib.core.errors.CATALOG). Codes are added, never renamed. """
    message: str
    """ For humans; do not parse it. """
    request_id: str
    """ Also sent as `X-Request-Id`. """
    details: ErrorEnvelopeErrorDetailsType1 | list[FieldProblem] | Unset = UNSET
    """ Present on some errors, e.g. VALIDATION_ERROR lists the fields at fault. """

    def to_dict(self) -> dict[str, Any]:
        code: str = self.code

        message = self.message

        request_id = self.request_id

        details: dict[str, Any] | list[dict[str, Any]] | Unset
        if isinstance(self.details, Unset):
            details = UNSET
        elif isinstance(self.details, list):
            details = []
            for details_type_0_item_data in self.details:
                details_type_0_item = details_type_0_item_data.to_dict()
                details.append(details_type_0_item)

        else:
            details = self.details.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "code": code,
                "message": message,
                "request_id": request_id,
            }
        )
        if details is not UNSET:
            field_dict["details"] = details

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error_envelope_error_details_type_1 import ErrorEnvelopeErrorDetailsType1  # noqa: PLC0415
        from ..models.field_problem import FieldProblem  # noqa: PLC0415

        d = dict(src_dict)
        code = check_error_code(d.pop("code"))

        message = d.pop("message")

        request_id = d.pop("request_id")

        def _parse_details(data: object) -> ErrorEnvelopeErrorDetailsType1 | list[FieldProblem] | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                details_type_0 = []
                _details_type_0 = data
                for details_type_0_item_data in _details_type_0:
                    details_type_0_item = FieldProblem.from_dict(details_type_0_item_data)

                    details_type_0.append(details_type_0_item)

                return details_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            details_type_1 = ErrorEnvelopeErrorDetailsType1.from_dict(data)

            return details_type_1

        details = _parse_details(d.pop("details", UNSET))

        error_envelope_error = cls(
            code=code,
            message=message,
            request_id=request_id,
            details=details,
        )

        return error_envelope_error
