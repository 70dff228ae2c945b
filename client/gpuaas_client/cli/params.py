"""Argument types: each one parses a word of the command line or refuses it with the reason (exit 2)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import click

from gpuaas_client.cli.money import dollars_to_micros, parse_amount


class Parsed(click.ParamType[Any]):
    """A type made of a function that returns the value or raises ``ValueError`` saying what is wrong."""

    def __init__(self, name: str, parse: Callable[[str], Any]) -> None:
        self.name = name
        self._parse = parse

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):  # a default, already of the type
            return value
        try:
            return self._parse(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise ValueError(f"must be at least 1: {text!r}")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise ValueError(f"must be more than 0: {text!r}")
    return value


def day(text: str) -> str:
    """``YYYY-MM-DD``, a real day."""
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"not a day (YYYY-MM-DD): {text!r}") from None


def month(text: str) -> str:
    """``YYYY-MM``, a real month."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", text)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    return text


def utc_time(text: str) -> str:
    """A day or a UTC time, as the API takes them: ``2026-11-26`` or ``2026-11-26T10:00:00Z``."""
    match = re.fullmatch(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?Z?)?", text)
    try:
        if match is None:
            raise ValueError
        date.fromisoformat(match[1])
    except ValueError:
        raise ValueError(f"not a day or UTC time (2026-11-26, 2026-11-26T10:00:00Z): {text!r}") from None
    return text


POSITIVE_INT = Parsed("N", positive_int)
SECONDS = Parsed("SECONDS", seconds)
DAY = Parsed("DAY", day)
MONTH = Parsed("MONTH", month)
TIME = Parsed("TIME", utc_time)
PRICE = Parsed("USD", dollars_to_micros)
AMOUNT = Parsed("AMOUNT", parse_amount)
TOPUP_AMOUNT = Parsed("AMOUNT", lambda text: parse_amount(text, allow_zero=False))


def none_if_empty(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> list[str] | None:
    """A repeatable option as a list, or None when it was not given (the API's default then applies)."""
    return list(value) or None
