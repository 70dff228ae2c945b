"""Money: ``balance``, ``topup``, ``usage``, ``ledger``, ``statement``, ``spend-cap``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection, Iterable
from itertools import islice
from typing import Any

import click

from gpuaas_client.cli.context import Context, with_context
from gpuaas_client.cli.errors import UsageError
from gpuaas_client.cli.money import format_duration, format_micros, format_money, format_signed_micros
from gpuaas_client.cli.output import Column
from gpuaas_client.cli.params import AMOUNT, DAY, MONTH, POSITIVE_INT, SECONDS, TIME, TOPUP_AMOUNT
from gpuaas_client.sdk import ApiError, Balance, Checkout, Client, GpuaasError, LedgerEntry, SpendCap

DEFAULT_TOPUP_WAIT_SECONDS = 30
DEFAULT_LEDGER_LIMIT = 50
LEDGER_PAGE_SIZE = 200  # for --all: the API's largest page (it caps what is asked)
LEDGER_CSV_COLUMNS = ("at", "id", "kind", "wallet_delta_micros", "currency", "allocation_id", "description")


def balance_warnings(balance: Balance) -> list[str]:
    """What the holder of this balance must know: a freeze, a depleted balance."""
    warnings = []
    if balance.frozen:
        reason = f" ({balance.frozen_reason})" if balance.frozen_reason else ""
        warnings.append(f"warning: this org is frozen{reason}: new allocations are refused until an operator lifts it")
    if balance.depleted_at:
        warnings.append(
            f"warning: the balance ran out at {balance.depleted_at}: active allocations are being released; "
            "top up: gpuaas topup AMOUNT"
        )
    return warnings


def _runway(balance: Balance) -> str:
    if balance.runway_seconds is None:
        return "- (nothing running)"
    return format_duration(balance.runway_seconds)


def _balance_record(ctx: Context, b: Balance) -> None:
    currency = b.currency
    count = b.active_allocations
    ctx.out.record(
        b,
        [
            ("balance", format_money(b.balance_micros, currency)),
            ("burn/hour", format_money(b.burn_rate_per_hour_micros, currency)),
            ("runway", _runway(b)),
            ("running", f"{count} allocation{'' if count == 1 else 's'}"),
            ("unsettled", format_money(b.unsettled_usage_micros, currency)),
            ("as of", b.as_of),
        ],
    )
    for warning in balance_warnings(b):
        ctx.out.warn(warning)


def _no_csv_with(ctx: Context, csv_: bool) -> None:
    """``--csv`` is a format of its own: it overrides a profile's output setting, not a format asked for."""
    if csv_ and ctx.out.explicit and ctx.out.format != "table":
        flag = "--json" if ctx.out.format == "json" else f"--output {ctx.out.format}"
        raise UsageError(f"--csv and {flag} do not go together")


@click.command(
    "balance",
    short_help="The org's balance, burn per hour and runway.",
    help="The balance now (settled, less what is used and not yet settled), what the active allocations "
    "burn per hour and how long the balance lasts at that burn. Warns (on stderr) when the org is frozen "
    "or its balance ran out.",
)
@with_context
def balance(ctx: Context) -> int:
    _balance_record(ctx, ctx.authed().balance())
    return 0


def topup_entry(
    entries: Iterable[LedgerEntry], seen: Collection[str], session_id: str, amount: int
) -> LedgerEntry | None:
    """The ledger entry of this checkout's payment: a top-up that was not there before and names the
    checkout session (its id or cause), else one that credits its amount."""
    new = [e for e in entries if e.kind == "topup" and e.id not in seen]
    named = [e for e in new if session_id in json.dumps(e.to_dict())]
    same_amount = [e for e in new if e.wallet_delta_micros == amount]
    found = named or same_amount
    return found[0] if found else None


def _newest_entries(client: Client) -> list[LedgerEntry]:
    return list(islice(client.ledger(limit=DEFAULT_LEDGER_LIMIT), DEFAULT_LEDGER_LIMIT))


def _complete_checkout(ctx: Context, client: Client, checkout: Checkout, timeout: float) -> int:
    """Pay through the local stage's dev route, wait for the credit to reach the ledger, show the balance."""
    session_id, amount = checkout.checkout_session_id, checkout.amount_micros
    seen = {e.id for e in _newest_entries(client)}
    try:
        client.dev_complete_checkout(session_id)
    except ApiError as exc:
        if exc.code == "ROUTE_NOT_FOUND":
            raise GpuaasError(
                f"--complete works on the local stage only (no dev payment route at {ctx.api_url}); "
                f"pay at {checkout.url}"
            ) from exc
        raise
    deadline = client.clock() + timeout
    interval = 0.2
    while (entry := topup_entry(_newest_entries(client), seen, session_id, amount)) is None:
        remaining = deadline - client.clock()
        if remaining <= 0:
            ctx.out.fail(
                f"error: the payment is complete but its credit is not in the ledger after {timeout:g}s; "
                "it may still arrive: gpuaas balance"
            )
            return 1
        client.sleep(min(interval, remaining))
        interval = min(interval * 1.5, 2.0)
    balance = client.balance()
    if not ctx.out.human:
        ctx.out.result({"checkout": checkout, "entry": entry, "balance": balance}, None, id=entry.id)
        for warning in balance_warnings(balance):
            ctx.out.warn(warning)
        return 0
    currency = balance.currency
    ctx.out.line(f"Topped up {format_micros(entry.wallet_delta_micros, currency)} ({session_id}).")
    _balance_record(ctx, balance)
    return 0


@click.command(
    "topup",
    short_help="Add money: open a checkout and print where to pay.",
    help="Open a checkout for AMOUNT (in currency units: 25 or 25.50) and print the URL to pay at; the "
    "balance rises once the payment succeeds. --complete (the local stage only) pays it through the dev "
    "payment route, waits for the credit and shows the new balance.",
)
@click.argument("amount", type=TOPUP_AMOUNT, metavar="AMOUNT")
@click.option("--complete", is_flag=True, help="Local stage: pay it now through the dev route.")
@click.option(
    "--timeout",
    type=SECONDS,
    default=float(DEFAULT_TOPUP_WAIT_SECONDS),
    metavar="SECONDS",
    show_default=True,
    help="With --complete: wait this long for the credit.",
)
@click.option("--success-url", metavar="URL", help="Where the payment page sends you after paying.")
@click.option("--cancel-url", metavar="URL", help="Where it sends you if you cancel.")
@click.option(
    "--idempotency-key",
    metavar="KEY",
    help="The same key makes a retried top-up open one checkout (default: a fresh UUID).",
)
@with_context
def topup(
    ctx: Context,
    amount: int,
    complete: bool,
    timeout: float,
    success_url: str | None,
    cancel_url: str | None,
    idempotency_key: str | None,
) -> int:
    client = ctx.authed()
    checkout = client.checkout(amount, success_url=success_url, cancel_url=cancel_url, idempotency_key=idempotency_key)
    if complete:
        return _complete_checkout(ctx, client, checkout, timeout)
    if not ctx.out.human:
        ctx.out.result(checkout, None, id=checkout.checkout_session_id)
    else:
        price = format_micros(checkout.amount_micros, checkout.currency)
        ctx.out.line(f"Pay {price} to top up: {checkout.url}")
        ctx.out.note("The balance rises once the payment succeeds: gpuaas balance")
    return 0


def _usage_time(seconds: int | None) -> str | None:
    return None if seconds is None else format_duration(seconds)


@click.command(
    "usage",
    short_help="What was used and charged, per day or per allocation.",
    help="Seconds of use and charges for days --since to --until (inclusive, UTC; by default the last 30 "
    "days), per day or per allocation. --csv prints the API's rows (day x allocation) as CSV.",
)
@click.option("--since", type=DAY, metavar="DAY", help="First day, YYYY-MM-DD.")
@click.option("--until", type=DAY, metavar="DAY", help="Last day, YYYY-MM-DD.")
@click.option("--by", type=click.Choice(["day", "allocation"]), default="day", show_default=True, help="Group by.")
@click.option("--csv", "csv_", is_flag=True, help="Print CSV.")
@with_context
def usage(ctx: Context, since: str | None, until: str | None, by: str, csv_: bool) -> int:
    if since and until and since > until:
        raise UsageError(f"--since {since} is after --until {until}")
    _no_csv_with(ctx, csv_)
    client = ctx.authed()
    if csv_:
        ctx.out.write(client.usage_csv(since, until))
        return 0
    report = client.usage(since, until)
    if not ctx.out.human:
        ctx.out.result(report, None)
        return 0
    # The usage report names no currency: the wallet's is the org's one currency.
    currency = client.balance().currency
    if by == "allocation":
        columns: list[Column] = [
            ("ALLOCATION", lambda u: u.allocation_id),
            ("SKU", lambda u: u.sku_id),
            ("TIME", lambda u: _usage_time(u.seconds)),
            ("SECONDS", lambda u: u.seconds),
            ("COST", lambda u: format_money(u.micros, currency)),
        ]
        ctx.out.rows(report.by_allocation, columns)
    else:
        columns = [
            ("DAY", lambda u: u.day),
            ("TIME", lambda u: _usage_time(u.seconds)),
            ("SECONDS", lambda u: u.seconds),
            ("COST", lambda u: format_money(u.micros, currency)),
        ]
        ctx.out.rows(report.by_day, columns)
    ctx.out.line(
        f"Total {report.from_} to {report.to}: "
        f"{format_micros(report.total_micros, currency)} "
        f"for {format_duration(report.total_seconds)} of use."
    )
    return 0


LEDGER_COLUMNS: list[Column] = [
    ("AT", lambda e: e.at),
    ("KIND", lambda e: e.kind),
    ("AMOUNT", lambda e: format_signed_micros(e.wallet_delta_micros, e.currency)),
    ("DESCRIPTION", lambda e: e.description),
    ("ALLOCATION", lambda e: e.allocation_id),
    ("ID", lambda e: e.id),
]


def ledger_csv(entries: Iterable[LedgerEntry]) -> str:
    """Entries as the API's CSV export writes them (the same columns), spanning any number of pages."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LEDGER_CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(e.to_dict() for e in entries)
    return out.getvalue()


@click.command("ledger", help="The org's ledger: every change of the balance, newest first.")
@click.option(
    "--limit",
    type=POSITIVE_INT,
    default=DEFAULT_LEDGER_LIMIT,
    metavar="N",
    show_default=True,
    help="The newest N entries.",
)
@click.option("--all", "all_", is_flag=True, help="Every entry (not with --limit).")
@click.option("--since", type=TIME, metavar="TIME", help="From (a day or a UTC time), inclusive.")
@click.option("--until", type=TIME, metavar="TIME", help="To (a day or a UTC time), exclusive.")
@click.option("--csv", "csv_", is_flag=True, help="Print CSV (the columns of the API's export).")
@with_context
def ledger(ctx: Context, limit: int, all_: bool, since: str | None, until: str | None, csv_: bool) -> int:
    if all_ and click.get_current_context().get_parameter_source("limit") is click.core.ParameterSource.COMMANDLINE:
        raise UsageError("--limit and --all do not go together")
    _no_csv_with(ctx, csv_)
    wanted = None if all_ else limit
    client = ctx.authed()
    # Pages of --limit entries (the API caps a page: then more pages, stopping at --limit).
    pages = client.ledger(since=since, until=until, limit=wanted or LEDGER_PAGE_SIZE)
    entries = list(pages if wanted is None else islice(pages, wanted))
    if csv_:
        ctx.out.write(ledger_csv(entries))
    else:
        ctx.out.table(entries, LEDGER_COLUMNS)
    return 0


@click.command("statement", help="A month's opening balance, movements and closing balance.")
@click.argument("month", type=MONTH, metavar="MONTH")
@with_context
def statement(ctx: Context, month: str) -> int:
    report = ctx.authed().statement(month)
    if not ctx.out.human:
        ctx.out.result(report, None)
        return 0
    currency = report.currency
    movements = report.movements_micros.additional_properties
    ctx.out.record(
        report,
        [
            ("month", f"{report.month} (UTC, {currency})"),
            ("opening", format_money(report.opening_balance_micros, currency)),
            *[(f"  {kind}", format_signed_micros(micros, currency)) for kind, micros in movements.items()],
            ("closing", format_money(report.closing_balance_micros, currency)),
        ],
    )
    if report.entries:
        ctx.out.line()
        ctx.out.rows(report.entries, LEDGER_COLUMNS)
    return 0


class DefaultGroup(click.Group):
    """A group that runs ``default_command`` when no command of its own is named (``gpuaas spend-cap``)."""

    def __init__(self, *args: Any, default_command: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_command = default_command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        named = args[: args.index("--")] if "--" in args else args
        if not any(a in self.commands or a in ctx.help_option_names for a in named):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


@click.group(
    "spend-cap",
    cls=DefaultGroup,
    default_command="show",
    short_help="The org's daily spend cap (show, set, clear).",
    help="Show the daily spend cap (the default), or (owners) set or clear it. New allocations stop at it.",
)
def spend_cap() -> None:
    pass


def _show_cap(ctx: Context, client: Client, cap: SpendCap, action: str) -> int:
    if not ctx.out.human:
        ctx.out.result(cap, None)
        return 0
    micros = cap.daily_cap_micros
    if micros is None:
        ctx.out.line("No daily spend cap." if action != "clear" else "Cleared the daily spend cap.")
        return 0
    # The cap names no currency: the wallet's is the org's one currency.
    currency = client.balance().currency
    who = f" (set by {cap.updated_by} at {cap.updated_at})" if cap.updated_by else ""
    ctx.out.line(f"Daily spend cap: {format_micros(micros, currency)}{who}; new allocations stop at it.")
    return 0


@spend_cap.command("show", help="Show it (the default).")
@with_context
def show_cap(ctx: Context) -> int:
    client = ctx.authed()
    return _show_cap(ctx, client, client.spend_cap(), "show")


@spend_cap.command("set", help="Set it, in currency units per day (0: no new spend).")
@click.argument("amount", type=AMOUNT, metavar="AMOUNT")
@with_context
def set_cap(ctx: Context, amount: int) -> int:
    client = ctx.authed()
    return _show_cap(ctx, client, client.set_spend_cap(amount), "set")


@spend_cap.command("clear", help="Remove it.")
@with_context
def clear_cap(ctx: Context) -> int:
    client = ctx.authed()
    return _show_cap(ctx, client, client.set_spend_cap(None), "clear")


COMMANDS = [balance, topup, usage, ledger, statement, spend_cap]
