from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.webhook_attempt_status import WebhookAttemptStatus, check_webhook_attempt_status
from ..models.webhook_attempt_trigger import WebhookAttemptTrigger, check_webhook_attempt_trigger

T = TypeVar("T", bound="WebhookAttempt")


@_attrs_define
class WebhookAttempt:
    number: int
    trigger: WebhookAttemptTrigger
    status: WebhookAttemptStatus
    started_at: str
    finished_at: None | str
    status_code: int | None
    """ null when no HTTP response was read. """
    latency_ms: int | None
    response: str
    """ The first 1 KB of the response body. """
    error: None | str
    """ http_status, timeout, connect_failed, dns_failed, tls_failed, redirect_refused, unsafe_destination,
    protocol_error. """
    detail: None | str

    def to_dict(self) -> dict[str, Any]:
        number = self.number

        trigger: str = self.trigger

        status: str = self.status

        started_at = self.started_at

        finished_at: None | str
        finished_at = self.finished_at

        status_code: int | None
        status_code = self.status_code

        latency_ms: int | None
        latency_ms = self.latency_ms

        response = self.response

        error: None | str
        error = self.error

        detail: None | str
        detail = self.detail

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "number": number,
                "trigger": trigger,
                "status": status,
                "started_at": started_at,
                "finished_at": finished_at,
                "status_code": status_code,
                "latency_ms": latency_ms,
                "response": response,
                "error": error,
                "detail": detail,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        number = d.pop("number")

        trigger = check_webhook_attempt_trigger(d.pop("trigger"))

        status = check_webhook_attempt_status(d.pop("status"))

        started_at = d.pop("started_at")

        def _parse_finished_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        def _parse_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        status_code = _parse_status_code(d.pop("status_code"))

        def _parse_latency_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        latency_ms = _parse_latency_ms(d.pop("latency_ms"))

        response = d.pop("response")

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_detail(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        detail = _parse_detail(d.pop("detail"))

        webhook_attempt = cls(
            number=number,
            trigger=trigger,
            status=status,
            started_at=started_at,
            finished_at=finished_at,
            status_code=status_code,
            latency_ms=latency_ms,
            response=response,
            error=error,
            detail=detail,
        )

        return webhook_attempt
