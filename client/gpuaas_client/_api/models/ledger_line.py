from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.ledger_line_account import LedgerLineAccount, check_ledger_line_account

T = TypeVar("T", bound="LedgerLine")


@_attrs_define
class LedgerLine:
    account: LedgerLineAccount
    """ The org's `wallet` (the only account with a stored balance) or a platform account. """
    amount_micros: int

    def to_dict(self) -> dict[str, Any]:
        account: str = self.account

        amount_micros = self.amount_micros

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "account": account,
                "amount_micros": amount_micros,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        account = check_ledger_line_account(d.pop("account"))

        amount_micros = d.pop("amount_micros")

        ledger_line = cls(
            account=account,
            amount_micros=amount_micros,
        )

        return ledger_line
