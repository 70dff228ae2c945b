"""Money and durations as the CLI reads and prints them: integer micro-units, exact decimals, never floats."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MICROS_PER_UNIT = 1_000_000
MAX_MICROS = 2**53 - 1  # the API's integers stay exact in any JSON reader

AMOUNT = re.compile(r"(?P<whole>[0-9]+)(?:\.(?P<fraction>[0-9]+))?")


def dollars_to_micros(text: str) -> int:
    """``"2.49"`` -> ``2490000``: exact decimal arithmetic, never a float. Refuses what is not exact."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        raise ValueError(f"not a dollar amount: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a dollar amount: {text!r}")
    if value < 0:
        raise ValueError(f"must not be negative: {text!r}")
    micros = value * MICROS_PER_UNIT
    if micros != micros.to_integral_value():
        raise ValueError(f"more precise than a micro-dollar (6 decimal places): {text!r}")
    if micros > MAX_MICROS:
        raise ValueError(f"too large: {text!r}")
    return int(micros)


def format_micros(micros: int, currency: str = "USD") -> str:
    """``2490000`` -> ``"$2.49"``, ``1`` -> ``"$0.000001"``: integer arithmetic, exact."""
    sign = "-" if micros < 0 else ""
    units, fraction = divmod(abs(int(micros)), MICROS_PER_UNIT)
    digits = f"{fraction:06d}".rstrip("0").ljust(2, "0")
    symbol = "$" if currency == "USD" else ""
    suffix = "" if currency == "USD" else f" {currency}"
    return f"{sign}{symbol}{units}.{digits}{suffix}"


def format_signed_micros(micros: int, currency: str = "USD") -> str:
    """A movement of money: ``+$25.00``, ``-$0.06``, ``$0.00``."""
    return ("+" if micros > 0 else "") + format_micros(micros, currency)


def format_money(micros: int | None, currency: str) -> str | None:
    return None if micros is None else format_micros(micros, currency)


def parse_amount(text: str, *, places: int = 2, allow_zero: bool = True) -> int:
    """An amount in currency units (``"25"``, ``"25.50"``) -> integer micro-units (``25500000``).

    Exact decimal arithmetic, never a float. Plain digits only: no sign, exponent, ``NaN``, ``inf`` or
    ``_``; at most ``places`` decimal places (trailing zeros aside).
    """
    raw = text.strip()
    match = AMOUNT.fullmatch(raw)
    if match is None:
        if raw.startswith("-") and AMOUNT.fullmatch(raw[1:]):
            raise ValueError(f"must not be negative: {text!r}")
        raise ValueError(f"not an amount: {text!r} (write it like 25 or 25.50)")
    if len((match["fraction"] or "").rstrip("0")) > places:
        raise ValueError(f"at most {places} decimal places: {text!r}")
    if len(match["whole"].lstrip("0")) > 16:  # far past MAX_MICROS; keeps the product below exact
        raise ValueError(f"too large: {text!r}")
    micros = Decimal(raw) * MICROS_PER_UNIT  # exact: at most 22 significant digits
    if micros > MAX_MICROS:
        raise ValueError(f"too large: {text!r}")
    if micros == 0 and not allow_zero:
        raise ValueError(f"must be more than 0: {text!r}")
    return int(micros)


def format_duration(seconds: float | None) -> str:
    """``11520`` -> ``"3h 12m"``: the two largest units, rounded down (a runway never looks longer
    than it is); ``None`` -> ``"-"``."""
    if seconds is None:
        return "-"
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    while len(parts) > 1 and parts[0][0] == 0:
        parts.pop(0)
    first, second = parts[0], parts[1] if len(parts) > 1 else None
    if second is None or second[0] == 0:
        return f"{first[0]}{first[1]}"
    return f"{first[0]}{first[1]} {second[0]}{second[1]}"
