from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.ledger_entry import LedgerEntry
    from ..models.statement_movements_micros import StatementMovementsMicros


T = TypeVar("T", bound="Statement")


@_attrs_define
class Statement:
    org_id: str
    month: str
    currency: str
    opening_balance_micros: int
    """ The wallet's balance when the month began (every entry before it). """
    movements_micros: StatementMovementsMicros
    """ The month's wallet movements by entry kind (`usage`, `topup`, `refund`, `promotion`, `dispute`,
    `adjustment`); kinds without entries are left out. """
    closing_balance_micros: int
    """ `opening_balance_micros` plus every movement of the month. """
    entries: list[LedgerEntry]
    """ The month's entries, oldest first. """

    def to_dict(self) -> dict[str, Any]:
        org_id = self.org_id

        month = self.month

        currency = self.currency

        opening_balance_micros = self.opening_balance_micros

        movements_micros = self.movements_micros.to_dict()

        closing_balance_micros = self.closing_balance_micros

        entries = []
        for entries_item_data in self.entries:
            entries_item = entries_item_data.to_dict()
            entries.append(entries_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "org_id": org_id,
                "month": month,
                "currency": currency,
                "opening_balance_micros": opening_balance_micros,
                "movements_micros": movements_micros,
                "closing_balance_micros": closing_balance_micros,
                "entries": entries,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ledger_entry import LedgerEntry  # noqa: PLC0415
        from ..models.statement_movements_micros import StatementMovementsMicros  # noqa: PLC0415

        d = dict(src_dict)
        org_id = d.pop("org_id")

        month = d.pop("month")

        currency = d.pop("currency")

        opening_balance_micros = d.pop("opening_balance_micros")

        movements_micros = StatementMovementsMicros.from_dict(d.pop("movements_micros"))

        closing_balance_micros = d.pop("closing_balance_micros")

        entries = []
        _entries = d.pop("entries")
        for entries_item_data in _entries:
            entries_item = LedgerEntry.from_dict(entries_item_data)

            entries.append(entries_item)

        statement = cls(
            org_id=org_id,
            month=month,
            currency=currency,
            opening_balance_micros=opening_balance_micros,
            movements_micros=movements_micros,
            closing_balance_micros=closing_balance_micros,
            entries=entries,
        )

        return statement
