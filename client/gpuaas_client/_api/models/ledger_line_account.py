from typing import Literal

LedgerLineAccount = Literal["disputes", "promotional_credit", "refunds", "revenue", "stripe_clearing", "wallet"]

LEDGER_LINE_ACCOUNT_VALUES: set[LedgerLineAccount] = {
    "disputes",
    "promotional_credit",
    "refunds",
    "revenue",
    "stripe_clearing",
    "wallet",
}


def check_ledger_line_account(value: str) -> LedgerLineAccount:
    if value in LEDGER_LINE_ACCOUNT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LEDGER_LINE_ACCOUNT_VALUES!r}")
