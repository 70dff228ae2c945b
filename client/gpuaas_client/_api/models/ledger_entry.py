from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.ledger_entry_kind import LedgerEntryKind, check_ledger_entry_kind

if TYPE_CHECKING:
    from ..models.ledger_entry_cause import LedgerEntryCause
    from ..models.ledger_line import LedgerLine


T = TypeVar("T", bound="LedgerEntry")


@_attrs_define
class LedgerEntry:
    id: str
    """ Derived from the cause, `<kind>:<cause>`: posting the same cause again is refused, never doubled. """
    org_id: str
    kind: LedgerEntryKind
    lines: list[LedgerLine]
    """ The entry's lines; their amounts sum to zero. """
    currency: str
    at: str
    description: str
    allocation_id: None | str
    """ The allocation whose use a `usage` entry bills; null for other kinds. """
    cause: LedgerEntryCause
    """ What caused it, e.g. `{"from_second": 3540, "to_second": 3600}` for usage (seconds since the allocation
    became active; `from_second` above `to_second` for a correction). """
    wallet_delta_micros: int
    """ The wallet's line (negative for usage). """

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        org_id = self.org_id

        kind: str = self.kind

        lines = []
        for lines_item_data in self.lines:
            lines_item = lines_item_data.to_dict()
            lines.append(lines_item)

        currency = self.currency

        at = self.at

        description = self.description

        allocation_id: None | str
        allocation_id = self.allocation_id

        cause = self.cause.to_dict()

        wallet_delta_micros = self.wallet_delta_micros

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "org_id": org_id,
                "kind": kind,
                "lines": lines,
                "currency": currency,
                "at": at,
                "description": description,
                "allocation_id": allocation_id,
                "cause": cause,
                "wallet_delta_micros": wallet_delta_micros,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ledger_entry_cause import LedgerEntryCause  # noqa: PLC0415
        from ..models.ledger_line import LedgerLine  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        org_id = d.pop("org_id")

        kind = check_ledger_entry_kind(d.pop("kind"))

        lines = []
        _lines = d.pop("lines")
        for lines_item_data in _lines:
            lines_item = LedgerLine.from_dict(lines_item_data)

            lines.append(lines_item)

        currency = d.pop("currency")

        at = d.pop("at")

        description = d.pop("description")

        def _parse_allocation_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        allocation_id = _parse_allocation_id(d.pop("allocation_id"))

        cause = LedgerEntryCause.from_dict(d.pop("cause"))

        wallet_delta_micros = d.pop("wallet_delta_micros")

        ledger_entry = cls(
            id=id,
            org_id=org_id,
            kind=kind,
            lines=lines,
            currency=currency,
            at=at,
            description=description,
            allocation_id=allocation_id,
            cause=cause,
            wallet_delta_micros=wallet_delta_micros,
        )

        return ledger_entry
