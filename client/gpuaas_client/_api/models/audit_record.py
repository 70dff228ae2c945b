from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.audit_record_actor import AuditRecordActor
    from ..models.audit_record_after import AuditRecordAfter
    from ..models.audit_record_before import AuditRecordBefore


T = TypeVar("T", bound="AuditRecord")


@_attrs_define
class AuditRecord:
    """One privileged change, written in the same transaction as the change."""

    id: str
    at: str
    action: str
    """ The policy action. """
    target: str
    """ The id of the resource changed. """
    org_id: str
    """ Whose trail the record belongs to. """
    actor: AuditRecordActor
    request_id: str
    before: AuditRecordBefore | None
    """ The resource before the change (null when created). """
    after: AuditRecordAfter | None
    """ The resource after the change (null when removed). """

    def to_dict(self) -> dict[str, Any]:
        from ..models.audit_record_after import AuditRecordAfter  # noqa: PLC0415
        from ..models.audit_record_before import AuditRecordBefore  # noqa: PLC0415

        id = self.id

        at = self.at

        action = self.action

        target = self.target

        org_id = self.org_id

        actor = self.actor.to_dict()

        request_id = self.request_id

        before: dict[str, Any] | None
        if isinstance(self.before, AuditRecordBefore):
            before = self.before.to_dict()
        else:
            before = self.before

        after: dict[str, Any] | None
        if isinstance(self.after, AuditRecordAfter):
            after = self.after.to_dict()
        else:
            after = self.after

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "at": at,
                "action": action,
                "target": target,
                "org_id": org_id,
                "actor": actor,
                "request_id": request_id,
                "before": before,
                "after": after,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_record_actor import AuditRecordActor  # noqa: PLC0415
        from ..models.audit_record_after import AuditRecordAfter  # noqa: PLC0415
        from ..models.audit_record_before import AuditRecordBefore  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        at = d.pop("at")

        action = d.pop("action")

        target = d.pop("target")

        org_id = d.pop("org_id")

        actor = AuditRecordActor.from_dict(d.pop("actor"))

        request_id = d.pop("request_id")

        def _parse_before(data: object) -> AuditRecordBefore | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                before_type_0 = AuditRecordBefore.from_dict(data)

                return before_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AuditRecordBefore | None, data)

        before = _parse_before(d.pop("before"))

        def _parse_after(data: object) -> AuditRecordAfter | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                after_type_0 = AuditRecordAfter.from_dict(data)

                return after_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AuditRecordAfter | None, data)

        after = _parse_after(d.pop("after"))

        audit_record = cls(
            id=id,
            at=at,
            action=action,
            target=target,
            org_id=org_id,
            actor=actor,
            request_id=request_id,
            before=before,
            after=after,
        )

        return audit_record
