"""EventBridge schedule expressions: ``rate(...)`` and 6-field ``cron(...)`` (UTC), and their next fire time.

Supported cron syntax per field: ``*``, ``?`` (day-of-month / day-of-week), numbers, names
(JAN-DEC, SUN-SAT), lists ``a,b``, ranges ``a-b`` and steps ``*/n`` / ``a-b/n`` / ``a/n``. AWS's ``L``,
``W`` and ``#`` are rejected with a clear error rather than misread. Day of week is 1-7 = SUN-SAT,
as in AWS. Like AWS, exactly one of day-of-month and day-of-week must be ``?``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("localcloud.scheduler")

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {
    m: i + 1 for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])
}
_DAYS = {d: i + 1 for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
_SEARCH_YEARS = 5


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class RateSchedule:
    seconds: int

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        return moment + dt.timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class CronSchedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None  # None = "?"
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # 1 = Sunday
    years: frozenset[int] | None  # None = any year

    def _day_matches(self, day: dt.date) -> bool:
        if day.month not in self.months or (self.years is not None and day.year not in self.years):
            return False
        if self.days_of_month is not None and day.day not in self.days_of_month:
            return False
        aws_weekday = (day.isoweekday() % 7) + 1  # Monday=2 ... Sunday=1
        return self.days_of_week is None or aws_weekday in self.days_of_week

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        """The first fire time strictly after ``moment`` (UTC, minute resolution)."""
        moment = moment.astimezone(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        day = moment.date()
        last_day = day + dt.timedelta(days=366 * _SEARCH_YEARS)
        while day <= last_day:
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)
                        if candidate >= moment:
                            return candidate
            day += dt.timedelta(days=1)
        raise ScheduleError("the cron expression never fires in the next years")


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ScheduleError(f"cron step must be positive in {text!r}")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, last = base.split("-", 1)
            start, end = _value(first, names), _value(last, names)
        else:
            start = _value(base, names)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high) or start > end:
            raise ScheduleError(f"cron field {text!r} is out of range {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, names: dict[str, int] | None) -> int:
    if names and text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        hint = " (L, W and # are not supported by the local scheduler)" if set(text.upper()) & set("LW#") else ""
        raise ScheduleError(f"not a cron value: {text!r}{hint}")
    return int(text)


def parse_schedule(expression: str) -> RateSchedule | CronSchedule:
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            raise ScheduleError("rate must be at least 1")
        if (value == 1) != (not unit.endswith("s")):
            raise ScheduleError(f"AWS requires singular units for 1 and plural otherwise: {expression!r}")
        return RateSchedule(value * _UNIT_SECONDS[unit.rstrip("s")])
    cron = _CRON.match(expression)
    if not cron:
        raise ScheduleError(f"not a schedule expression: {expression!r}")
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise ScheduleError(f"cron needs 6 fields (min hour dom month dow year), got {len(fields)}")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleError("exactly one of day-of-month and day-of-week must be '?'")
    return CronSchedule(
        minutes=_field(minute, 0, 59),
        hours=_field(hour, 0, 23),
        days_of_month=None if dom == "?" else _field(dom, 1, 31),
        months=_field(month, 1, 12, _MONTHS),
        days_of_week=None if dow == "?" else _field(dow, 1, 7, _DAYS),
        years=None if year == "*" else _field(year, 1970, 2199),
    )


def scheduled_event(rule_arn: str, region: str, account_id: str, when: dt.datetime | None = None) -> dict[str, Any]:
    """The event EventBridge sends a function for a schedule rule."""
    when = when or dt.datetime.now(dt.UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


class SchedulerThread(threading.Thread):
    """Fires each schedule at its next time (like EventBridge, the first ``rate`` fire is one period in)."""

    def __init__(self, schedules: Sequence[Any], fire: Callable[[Any], Any], stop: threading.Event) -> None:
        super().__init__(name="localcloud-scheduler", daemon=True)
        self._fire = fire
        self._stop_event = stop
        now = dt.datetime.now(dt.UTC)
        self._plans = [
            (schedule, parsed, parsed.next_after(now))
            for schedule in schedules
            if schedule.enabled
            for parsed in [parse_schedule(schedule.expression)]
        ]

    def run(self) -> None:
        while self._plans and not self._stop_event.is_set():
            index, (schedule, parsed, due) = min(enumerate(self._plans), key=lambda item: item[1][2])
            delay = (due - dt.datetime.now(dt.UTC)).total_seconds()
            if delay > 0 and self._stop_event.wait(min(delay, 1.0)):
                return
            if delay > 0:
                continue  # re-evaluate at most every second, so stop() is honoured quickly
            try:
                self._fire(schedule)
            except Exception:
                log.exception("scheduled invocation of %s failed", schedule.function_id)
            self._plans[index] = (schedule, parsed, parsed.next_after(dt.datetime.now(dt.UTC)))
