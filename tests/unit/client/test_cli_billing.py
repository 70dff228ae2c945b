"""Billing in the SDK and the CLI, no server: amounts, money and runway formatting, parsing, output."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import requests
from gpuaas_client import ApiError, Balance, Client, LedgerEntry, cli, sdk
from gpuaas_client.cli import (
    balance_warnings,
    build_parser,
    format_duration,
    format_micros,
    format_signed_micros,
    ledger_csv,
    main,
    parse_amount,
    parse_args,
)
from responses import matchers

from tests.unit.client.api_samples import api_object
from tests.unit.client.conftest import BASE

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("config")]

ORG = "org_01abc"
ALC = "alc_01abc"
SESSION = "cs_test_123"


def balance(**extra) -> dict:
    return {
        "org_id": ORG,
        "currency": "USD",
        "balance_micros": 100_000_000,
        "settled_balance_micros": 100_000_000,
        "unsettled_usage_micros": 0,
        "burn_rate_per_hour_micros": 0,
        "runway_seconds": None,
        "active_allocations": 0,
        "depleted_at": None,
        "frozen": False,
        "frozen_reason": None,
        "as_of": "2026-11-26T10:00:00.000Z",
        **extra,
    }


def entry(entry_id: str, kind: str, delta: int, **extra) -> dict:
    return {
        "id": entry_id,
        "org_id": ORG,
        "kind": kind,
        "at": "2026-11-26T10:00:00.000Z",
        "description": f"{kind} entry",
        "currency": "USD",
        "allocation_id": None,
        "lines": [{"account": "wallet", "amount_micros": delta}, {"account": "revenue", "amount_micros": -delta}],
        "wallet_delta_micros": delta,
        "cause": {},
        **extra,
    }


WELCOME = entry(f"promotion:welcome:{ORG}", "promotion", 100_000_000, description="Welcome credit")


def checkout(amount: int = 25_000_000) -> dict:
    return {
        "payment_id": "pay_01abc",
        "checkout_session_id": SESSION,
        "url": f"https://pay.test/{SESSION}",
        "amount_micros": amount,
        "currency": "USD",
    }


def entries(*items: dict) -> list[LedgerEntry]:
    """Ledger entries as the SDK answers with them."""
    return [LedgerEntry.from_dict(i) for i in items]


def completion(**fields) -> dict:
    """The dev route's answer to paying a checkout."""
    return api_object("DevCheckoutCompletion", checkout_session_id=SESSION, **fields)


def envelope(code: str, message: str = "nope") -> dict:
    return {"error": {"code": code, "message": message, "request_id": "req-1"}}


@pytest.fixture
def signed_in(config):
    config.put_session("default", BASE, "access", "refresh")


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr(sdk.time, "sleep", lambda _seconds: None)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


# Amounts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("25", 25_000_000),
        ("25.50", 25_500_000),
        ("25.5", 25_500_000),
        ("25.500", 25_500_000),  # trailing zeros are not precision
        ("0.01", 10_000),
        ("2.01", 2_010_000),  # int(float("2.01") * 1e6) is 2009999
        ("4.35", 4_350_000),
        (" 7 ", 7_000_000),
        ("007", 7_000_000),
        ("0", 0),
        ("9007199254.74", 9_007_199_254_740_000),
    ],
)
def test_parse_amount(text, micros):
    parsed = parse_amount(text)
    assert parsed == micros and type(parsed) is int


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("-5", "must not be negative"),
        ("-0.50", "must not be negative"),
        ("25.505", "at most 2 decimal places"),
        ("0.001", "at most 2 decimal places"),
        ("NaN", "not an amount"),
        ("nan", "not an amount"),
        ("sNaN", "not an amount"),
        ("inf", "not an amount"),
        ("Infinity", "not an amount"),
        ("-inf", "not an amount"),
        ("1e3", "not an amount"),
        ("1E-2", "not an amount"),
        ("1_000", "not an amount"),
        ("1,000", "not an amount"),
        ("+5", "not an amount"),
        ("$5", "not an amount"),
        ("25.", "not an amount"),
        (".5", "not an amount"),
        ("", "not an amount"),
        ("  ", "not an amount"),
        ("٣", "not an amount"),  # an Arabic-Indic digit: Decimal would take it
        ("0x10", "not an amount"),
        ("9007199254.75", "too large"),
        ("9" * 17, "too large"),
        ("1" + "0" * 400, "too large"),
    ],
)
def test_parse_amount_refuses(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_amount(text)


def test_parse_amount_places_and_zero():
    assert parse_amount("0.000001", places=6) == 1
    with pytest.raises(ValueError, match="at most 6 decimal places"):
        parse_amount("0.0000001", places=6)
    for zero in ("0", "0.00", "000"):
        with pytest.raises(ValueError, match="must be more than 0"):
            parse_amount(zero, allow_zero=False)
    assert parse_amount("0.01", allow_zero=False) == 10_000


# Formatting ---------------------------------------------------------------------------------


def test_format_money():
    assert format_micros(100_000_000) == "$100.00"
    assert format_micros(25_500_000) == "$25.50"
    assert format_micros(130_000) == "$0.13"
    assert format_micros(1) == "$0.000001"
    assert format_micros(0) == "$0.00"
    assert format_micros(-1_500_000) == "-$1.50"
    assert format_micros(9_007_199_254_740_991) == "$9007199254.740991"
    assert format_micros(2_500_000, "EUR") == "2.50 EUR"
    assert format_signed_micros(25_000_000) == "+$25.00"
    assert format_signed_micros(-60_000) == "-$0.06"
    assert format_signed_micros(0) == "$0.00"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "-"),
        (0, "0s"),
        (-5, "0s"),
        (1, "1s"),
        (59, "59s"),
        (59.9, "59s"),
        (60, "1m"),
        (61, "1m 1s"),
        (3599, "59m 59s"),
        (3600, "1h"),
        (3660, "1h 1m"),
        (11520, "3h 12m"),
        (11579, "3h 12m"),  # rounded down: a runway never looks longer than it is
        (86399, "23h 59m"),
        (86400, "1d"),
        (90000, "1d 1h"),
        (100_000, "1d 3h"),
        (86400 + 59, "1d"),
        (400 * 86400, "400d"),
    ],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_balance_warnings():
    def balance_warnings_of(**fields):
        return balance_warnings(Balance.from_dict(balance(**fields)))

    assert balance_warnings_of() == []
    [frozen] = balance_warnings_of(frozen=True, frozen_reason="payment disputed")
    assert "frozen (payment disputed)" in frozen and "new allocations are refused" in frozen
    [depleted] = balance_warnings_of(depleted_at="2026-11-26T09:00:00.000Z", balance_micros=-5)
    assert "ran out at 2026-11-26T09:00:00.000Z" in depleted and "gpuaas topup" in depleted
    assert len(balance_warnings_of(frozen=True, depleted_at="x")) == 2


def test_ledger_csv_has_the_api_export_columns():
    text = ledger_csv(
        entries(WELCOME, entry("usage:a:0-60", "usage", -60_000, allocation_id=ALC, description='a, "b"'))
    )
    lines = text.splitlines()
    assert lines[0] == "at,id,kind,wallet_delta_micros,currency,allocation_id,description"
    assert lines[1] == f"2026-11-26T10:00:00.000Z,promotion:welcome:{ORG},promotion,100000000,USD,,Welcome credit"
    assert lines[2] == f'2026-11-26T10:00:00.000Z,usage:a:0-60,usage,-60000,USD,{ALC},"a, ""b"""'


# Parsing ------------------------------------------------------------------------------------


def test_billing_arguments():
    parser = build_parser()
    assert parse_args(parser, ["balance", "--json"]).json is True
    args = parse_args(parser, ["topup", "25.50"])
    assert args.amount == 25_500_000 and args.complete is False and args.idempotency_key is None
    assert args.timeout == cli.DEFAULT_TOPUP_WAIT_SECONDS
    args = parse_args(parser, ["topup", "25", "--complete", "--timeout", "5", "--idempotency-key", "k"])
    assert (args.amount, args.complete, args.timeout, args.idempotency_key) == (25_000_000, True, 5, "k")
    args = parse_args(parser, ["usage"])
    assert (args.since, args.until, args.by, args.csv) == (None, None, "day", False)
    args = parse_args(parser, ["usage", "--since", "2026-11-01", "--until", "2026-11-30", "--by", "allocation"])
    assert (args.since, args.until, args.by) == ("2026-11-01", "2026-11-30", "allocation")
    args = parse_args(parser, ["ledger"])
    assert (args.limit, args.all, args.csv) == (cli.DEFAULT_LEDGER_LIMIT, False, False)
    args = parse_args(parser, ["ledger", "--limit", "3", "--csv", "--since", "2026-11-01T10:00:00Z"])
    assert (args.limit, args.csv, args.since) == (3, True, "2026-11-01T10:00:00Z")
    assert parse_args(parser, ["statement", "2026-11"]).month == "2026-11"
    assert parse_args(parser, ["spend-cap"]).action == "show"
    assert parse_args(parser, ["spend-cap", "show"]).action == "show"
    args = parse_args(parser, ["spend-cap", "set", "10"])
    assert (args.action, args.amount) == ("set", 10_000_000)
    assert parse_args(parser, ["spend-cap", "set", "0"]).amount == 0  # no new spend at all
    assert parse_args(parser, ["spend-cap", "clear", "--json"]).action == "clear"


@pytest.mark.parametrize(
    "argv",
    [
        ["topup"],
        ["topup", "-5"],
        ["topup", "25.505"],
        ["topup", "NaN"],
        ["topup", "0"],
        ["topup", "1e3"],
        ["topup", "25", "--timeout", "0"],
        ["usage", "--since", "2026-02-30"],
        ["usage", "--since", "26-11-01"],
        ["usage", "--until", "yesterday"],
        ["usage", "--by", "sku"],
        ["ledger", "--limit", "0"],
        ["ledger", "--limit", "5", "--all"],
        ["ledger", "--since", "last week"],
        ["ledger", "--until", "2026-11-26T10:00:00+02:00"],
        ["statement"],
        ["statement", "2026-13"],
        ["statement", "2026-1"],
        ["statement", "November"],
        ["spend-cap", "set"],
        ["spend-cap", "set", "-1"],
        ["spend-cap", "set", "ten"],
        ["spend-cap", "raise"],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["usage", "--since", "2026-11-02", "--until", "2026-11-01"], "is after --until"),
        (["usage", "--csv", "--json"], "do not go together"),
        (["ledger", "--csv", "--json"], "do not go together"),
    ],
)
def test_usage_errors_found_before_any_request(argv, message, http):
    code, _, err = run(*argv)
    assert code == 2 and message in err and not http.calls


def test_billing_needs_a_sign_in():
    code, _, err = run("balance")
    assert code == 1 and "gpuaas login" in err


# SDK ----------------------------------------------------------------------------------------


def test_balance_ledger_pages_and_csv(http):
    http.get(f"{BASE}/v1/billing/balance", json=balance())
    http.get(
        f"{BASE}/v1/billing/ledger",
        json={"items": [WELCOME], "next_cursor": "c1"},
        match=[matchers.query_param_matcher({"since": "2026-11-01", "limit": "1"})],
    )
    http.get(
        f"{BASE}/v1/billing/ledger",
        json={"items": [entry("topup:x", "topup", 5)], "next_cursor": None},
        match=[matchers.query_param_matcher({"since": "2026-11-01", "limit": "1", "cursor": "c1"})],
    )
    http.get(
        f"{BASE}/v1/billing/ledger",
        body="at,id\nx,y\n",
        content_type="text/csv; charset=utf-8",
        match=[matchers.query_param_matcher({"format": "csv", "until": "2026-11-26T10:30:00.000Z", "limit": "5"})],
    )
    c = Client(BASE, api_key="gpk_x")
    assert c.balance().balance_micros == 100_000_000
    assert [e.kind for e in c.ledger(since=date(2026, 11, 1), limit=1)] == ["promotion", "topup"]
    eastern = timezone(timedelta(hours=-5))
    assert c.ledger_csv(until=datetime(2026, 11, 26, 5, 30, tzinfo=eastern), limit=5) == "at,id\nx,y\n"
    assert "text/csv" in http.calls[-1].request.headers["Accept"]


def test_usage_statement_and_csv(http):
    report = {"from": "2026-11-01", "to": "2026-11-30", "rows": [], "by_day": [], "by_allocation": [],
              "total_seconds": 0, "total_micros": 0}  # fmt: skip
    http.get(
        f"{BASE}/v1/billing/usage",
        json=report,
        match=[matchers.query_param_matcher({"since": "2026-11-01", "until": "2026-11-30"})],
    )
    http.get(
        f"{BASE}/v1/billing/usage",
        body="day,allocation_id,sku_id,seconds,micros\n",
        content_type="text/csv; charset=utf-8",
        match=[matchers.query_param_matcher({"format": "csv"})],
    )
    http.get(f"{BASE}/v1/billing/statements/2026-11", json=api_object("Statement", month="2026-11", entries=[]))
    c = Client(BASE, api_key="gpk_x")
    assert c.usage("2026-11-01", date(2026, 11, 30)).from_ == "2026-11-01"
    assert c.usage_csv() == "day,allocation_id,sku_id,seconds,micros\n"
    assert c.statement("2026-11").month == "2026-11"


def test_a_csv_request_refreshes_an_expired_session_too(http):
    url = f"{BASE}/v1/billing/usage"
    http.get(url, status=401, json=envelope("INVALID_TOKEN"))
    http.post(f"{BASE}/v1/auth/token", json={"access_token": "a2", "refresh_token": "r2", "token_type": "Bearer",
                                             "expires_in": 900, "user_id": "u", "org_id": ORG})  # fmt: skip
    http.get(url, body="day\n", content_type="text/csv")
    c = Client(BASE, access_token="a1", refresh_token="r1")
    assert c.usage_csv() == "day\n"
    assert http.calls[-1].request.headers["Authorization"] == "Bearer a2"


def test_spend_cap(http):
    cap = {"org_id": ORG, "daily_cap_micros": None, "updated_at": "", "updated_by": ""}
    http.get(f"{BASE}/v1/billing/spend-cap", json=cap)
    http.put(
        f"{BASE}/v1/billing/spend-cap",
        json={**cap, "daily_cap_micros": 10_000_000},
        match=[matchers.json_params_matcher({"daily_cap_micros": 10_000_000})],
    )
    http.put(f"{BASE}/v1/billing/spend-cap", json=cap, match=[matchers.json_params_matcher({"daily_cap_micros": None})])
    c = Client(BASE, access_token="a")
    assert c.spend_cap().daily_cap_micros is None
    assert c.set_spend_cap(10_000_000).daily_cap_micros == 10_000_000
    assert c.set_spend_cap(None).daily_cap_micros is None
    for bad in (10.5, True, "10"):
        with pytest.raises(TypeError, match="micro-units"):
            c.set_spend_cap(bad)  # type: ignore[arg-type]
    assert len(http.calls) == 3


def test_checkout_sends_an_idempotency_key_and_retries_with_it(http, no_sleep):
    url = f"{BASE}/v1/billing/checkout"
    http.post(url, body=requests.ConnectionError("reset"))
    http.post(url, status=503, json=envelope("SERVICE_UNAVAILABLE"))
    http.post(
        url,
        status=201,
        json=checkout(),
        match=[matchers.json_params_matcher({"amount_micros": 25_000_000, "success_url": "https://ok.test"})],
    )
    c = Client(BASE, access_token="a")
    assert c.checkout(25_000_000, success_url="https://ok.test").url == f"https://pay.test/{SESSION}"
    keys = [call.request.headers["Idempotency-Key"] for call in http.calls]
    assert len(keys) == 3 and len(set(keys)) == 1 and uuid.UUID(keys[0]).version == 4
    with pytest.raises(TypeError):
        c.checkout(25.0)  # type: ignore[arg-type]


def test_dev_complete_checkout(http):
    http.post(f"{BASE}/v1/dev/stripe/checkout/{SESSION}/complete", json=completion(webhook_status=200))
    assert Client(BASE, access_token="a").dev_complete_checkout(SESSION).to_dict() == completion(webhook_status=200)


def test_query_times():
    assert sdk._when(None) is None
    assert sdk._when("2026-11-26") == "2026-11-26"
    assert sdk._when(date(2026, 11, 26)) == "2026-11-26"
    assert sdk._when(datetime(2026, 11, 26, 10, 0, 1, 234567)) == "2026-11-26T10:00:01.234Z"
    plus_two = timezone(timedelta(hours=2))
    assert sdk._when(datetime(2026, 11, 26, 1, 0, tzinfo=plus_two)) == "2026-11-25T23:00:00.000Z"
    assert sdk._when(datetime(2026, 11, 26, tzinfo=UTC)) == "2026-11-26T00:00:00.000Z"


# CLI ----------------------------------------------------------------------------------------


def test_balance_shows_money_burn_and_runway(http, signed_in):
    http.get(
        f"{BASE}/v1/billing/balance",
        json=balance(balance_micros=42_130_000, burn_rate_per_hour_micros=13_160_000, runway_seconds=11_525,
                     active_allocations=2, unsettled_usage_micros=70_000),
    )  # fmt: skip
    code, out, err = run("balance")
    assert code == 0 and err == ""
    lines = dict(line.split(":", 1) for line in out.splitlines())
    assert lines["balance"].strip() == "$42.13" and lines["burn/hour"].strip() == "$13.16"
    assert lines["runway"].strip() == "3h 12m" and lines["running"].strip() == "2 allocations"
    assert lines["unsettled"].strip() == "$0.07"


def test_balance_with_nothing_running_and_json(http, signed_in):
    http.get(f"{BASE}/v1/billing/balance", json=balance(active_allocations=1, burn_rate_per_hour_micros=0))
    code, out, _ = run("balance")
    assert "- (nothing running)" in out and "1 allocation\n" in out
    code, out, _ = run("balance", "--json")
    assert code == 0 and json.loads(out) == balance(active_allocations=1, burn_rate_per_hour_micros=0)


def test_balance_warns_when_frozen_or_depleted(http, signed_in):
    http.get(
        f"{BASE}/v1/billing/balance",
        json=balance(balance_micros=-1_500_000, frozen=True, frozen_reason="dispute",
                     depleted_at="2026-11-26T09:00:00.000Z", runway_seconds=0, burn_rate_per_hour_micros=1),
    )  # fmt: skip
    code, out, err = run("balance")
    assert code == 0 and "-$1.50" in out and "runway:     0s" in out
    assert "warning: this org is frozen (dispute)" in err and "warning: the balance ran out" in err
    code, out, err = run("balance", "--json")  # warnings stay on stderr: stdout is the JSON alone
    assert json.loads(out)["frozen"] is True and "frozen" in err


def test_topup_prints_where_to_pay(http, signed_in):
    http.post(
        f"{BASE}/v1/billing/checkout",
        status=201,
        json=checkout(25_500_000),
        match=[
            matchers.json_params_matcher({"amount_micros": 25_500_000}),
            matchers.header_matcher({"Idempotency-Key": "k1"}),
        ],
    )
    code, out, err = run("topup", "25.50", "--idempotency-key", "k1")
    assert code == 0 and out == f"Pay $25.50 to top up: https://pay.test/{SESSION}\n"
    assert "gpuaas balance" in err
    code, out, _ = run("topup", "25.50", "--idempotency-key", "k1", "--json")
    assert json.loads(out) == checkout(25_500_000)


def test_topup_complete_pays_waits_for_the_credit_and_shows_the_balance(http, signed_in, no_sleep):
    http.post(f"{BASE}/v1/billing/checkout", status=201, json=checkout())
    ledger = f"{BASE}/v1/billing/ledger"
    old_topup = entry("topup:pi_old", "topup", 25_000_000)  # an earlier top-up of the same amount
    http.get(ledger, json={"items": [old_topup, WELCOME], "next_cursor": None})  # before
    http.post(f"{BASE}/v1/dev/stripe/checkout/{SESSION}/complete", json=completion())
    http.get(ledger, json={"items": [old_topup, WELCOME], "next_cursor": None})  # not there yet
    credited = entry("topup:pi_new", "topup", 25_000_000, cause={"checkout_session_id": SESSION})
    http.get(ledger, json={"items": [credited, old_topup, WELCOME], "next_cursor": None})
    http.get(f"{BASE}/v1/billing/balance", json=balance(balance_micros=150_000_000))
    code, out, err = run("topup", "25", "--complete")
    assert code == 0, err
    assert out.startswith(f"Topped up $25.00 ({SESSION}).\n") and "balance:    $150.00" in out
    assert [c.request.method for c in http.calls] == ["POST", "GET", "POST", "GET", "GET", "GET"]


def test_the_topup_entry_is_the_one_naming_the_checkout():
    other, ours, old, welcome, small = entries(
        entry("topup:cs_other", "topup", 25_000_000),  # someone else's top-up of the same amount
        entry(f"topup:{SESSION}", "topup", 25_000_000),
        entry("topup:cs_old", "topup", 25_000_000),
        WELCOME,
        entry("topup:x", "topup", 5),
    )
    assert cli.topup_entry([other, ours, old], {"topup:cs_old"}, SESSION, 25_000_000) is ours
    assert cli.topup_entry([other, old], {"topup:cs_old"}, SESSION, 25_000_000) is other  # no name: the amount
    assert cli.topup_entry([old, welcome], {"topup:cs_old"}, SESSION, 25_000_000) is None
    assert cli.topup_entry([small], set(), SESSION, 25_000_000) is None


def test_topup_complete_json(http, signed_in):
    http.post(f"{BASE}/v1/billing/checkout", status=201, json=checkout())
    http.get(f"{BASE}/v1/billing/ledger", json={"items": [WELCOME], "next_cursor": None})
    http.post(f"{BASE}/v1/dev/stripe/checkout/{SESSION}/complete", json=completion())
    credited = entry("topup:pi_new", "topup", 25_000_000)
    http.get(f"{BASE}/v1/billing/ledger", json={"items": [credited, WELCOME], "next_cursor": None})
    http.get(f"{BASE}/v1/billing/balance", json=balance(balance_micros=125_000_000))
    code, out, _ = run("topup", "25", "--complete", "--json")
    done = json.loads(out)
    assert code == 0 and done["checkout"] == checkout() and done["entry"]["id"] == "topup:pi_new"
    assert done["balance"]["balance_micros"] == 125_000_000


def test_topup_complete_gives_up_when_the_credit_never_shows(http, signed_in):
    http.post(f"{BASE}/v1/billing/checkout", status=201, json=checkout())
    http.get(f"{BASE}/v1/billing/ledger", json={"items": [WELCOME], "next_cursor": None})
    http.post(f"{BASE}/v1/dev/stripe/checkout/{SESSION}/complete", json=completion())
    code, out, err = run("topup", "25", "--complete", "--timeout", "0.05")
    assert code == 1 and out == "" and "not in the ledger after 0.05s" in err


def test_topup_complete_outside_the_local_stage(http, signed_in):
    http.post(f"{BASE}/v1/billing/checkout", status=201, json=checkout())
    http.get(f"{BASE}/v1/billing/ledger", json={"items": [], "next_cursor": None})
    http.post(f"{BASE}/v1/dev/stripe/checkout/{SESSION}/complete", status=404, json=envelope("ROUTE_NOT_FOUND"))
    code, _, err = run("topup", "25", "--complete")
    assert code == 1 and "local stage only" in err and f"pay at https://pay.test/{SESSION}" in err


def test_topup_refused_prints_the_error(http, signed_in):
    http.post(f"{BASE}/v1/billing/checkout", status=404, json=envelope("ROUTE_NOT_FOUND", "No route"))
    code, _, err = run("topup", "25")
    assert code == 1 and err.startswith("error ROUTE_NOT_FOUND: No route (req-1)") and "hint:" in err


def test_ledger_table_limit_and_csv(http, signed_in):
    usage = entry("usage:a:0-60", "usage", -60_000, allocation_id=ALC, description="GPU usage")
    http.get(
        f"{BASE}/v1/billing/ledger",
        json={"items": [usage], "next_cursor": "c1"},
        match=[matchers.query_param_matcher({"limit": "1"})],
    )
    code, out, _ = run("ledger", "--limit", "1")
    assert code == 0 and len(http.calls) == 1  # stops at --limit: no second page
    header, row = out.splitlines()
    assert header.split() == ["AT", "KIND", "AMOUNT", "DESCRIPTION", "ALLOCATION", "ID"]
    assert "-$0.06" in row and ALC in row
    http.get(
        f"{BASE}/v1/billing/ledger",
        json={"items": [usage], "next_cursor": "c1"},
        match=[matchers.query_param_matcher({"limit": str(cli.LEDGER_PAGE_SIZE)})],
    )
    http.get(
        f"{BASE}/v1/billing/ledger",
        json={"items": [WELCOME], "next_cursor": None},
        match=[matchers.query_param_matcher({"limit": str(cli.LEDGER_PAGE_SIZE), "cursor": "c1"})],
    )
    code, out, _ = run("ledger", "--all", "--csv")
    assert code == 0 and out == ledger_csv(entries(usage, WELCOME))


def test_usage_by_day_and_by_allocation(http, signed_in):
    report = {
        "from": "2026-11-01",
        "to": "2026-11-30",
        "rows": [],
        "by_day": [{"day": "2026-11-25", "seconds": 11_530, "micros": 7_975_000}],
        "by_allocation": [{"allocation_id": ALC, "sku_id": "sku_1", "seconds": 11_530, "micros": 7_975_000}],
        "total_seconds": 11_530,
        "total_micros": 7_975_000,
    }
    http.get(f"{BASE}/v1/billing/usage", json=report)
    http.get(f"{BASE}/v1/billing/balance", json=balance(currency="EUR"))  # the report names no currency
    code, out, _ = run("usage", "--since", "2026-11-01", "--until", "2026-11-30")
    assert code == 0
    assert out.splitlines()[1].split() == ["2026-11-25", "3h", "12m", "11530", "7.975", "EUR"]
    assert out.splitlines()[-1] == "Total 2026-11-01 to 2026-11-30: 7.975 EUR for 3h 12m of use."
    code, out, _ = run("usage", "--by", "allocation")
    assert out.splitlines()[0].split() == ["ALLOCATION", "SKU", "TIME", "SECONDS", "COST"]
    assert out.splitlines()[1].split()[:2] == [ALC, "sku_1"]
    code, out, _ = run("usage", "--json")
    assert json.loads(out) == report


def test_usage_csv_prints_the_api_export(http, signed_in):
    http.get(
        f"{BASE}/v1/billing/usage",
        body="day,allocation_id,sku_id,seconds,micros\n2026-11-25,alc_1,sku_1,60,41500\n",
        content_type="text/csv; charset=utf-8",
        match=[matchers.query_param_matcher({"since": "2026-11-25", "format": "csv"})],
    )
    code, out, _ = run("usage", "--since", "2026-11-25", "--csv")
    assert code == 0 and out == "day,allocation_id,sku_id,seconds,micros\n2026-11-25,alc_1,sku_1,60,41500\n"


def test_statement(http, signed_in):
    statement = {
        "org_id": ORG,
        "month": "2026-11",
        "currency": "USD",
        "opening_balance_micros": 0,
        "movements_micros": {"promotion": 100_000_000, "usage": -130_000},
        "closing_balance_micros": 99_870_000,
        "entries": [WELCOME],
    }
    http.get(f"{BASE}/v1/billing/statements/2026-11", json=statement)
    code, out, _ = run("statement", "2026-11")
    lines = out.splitlines()
    assert code == 0 and lines[0].split(":", 1)[1].strip() == "2026-11 (UTC, USD)"
    assert [line.split(":", 1)[1].strip() for line in lines[1:5]] == ["$0.00", "+$100.00", "-$0.13", "$99.87"]
    assert lines[2].startswith("  promotion:") and "Welcome credit" in out


def test_spend_cap_show_set_clear(http, signed_in):
    none = {"org_id": ORG, "daily_cap_micros": None, "updated_at": "", "updated_by": ""}
    ten = {"org_id": ORG, "daily_cap_micros": 10_000_000, "updated_at": "2026-11-26T10:00:00.000Z",
           "updated_by": "usr_1"}  # fmt: skip
    http.get(f"{BASE}/v1/billing/spend-cap", json=none)
    http.put(
        f"{BASE}/v1/billing/spend-cap", json=ten, match=[matchers.json_params_matcher({"daily_cap_micros": 10_000_000})]
    )
    http.put(
        f"{BASE}/v1/billing/spend-cap", json=none, match=[matchers.json_params_matcher({"daily_cap_micros": None})]
    )
    http.get(f"{BASE}/v1/billing/balance", json=balance())
    assert run("spend-cap")[1] == "No daily spend cap.\n"
    code, out, _ = run("spend-cap", "set", "10")
    assert code == 0 and out.startswith("Daily spend cap: $10.00 (set by usr_1 at 2026-11-26T10:00:00.000Z)")
    assert run("spend-cap", "clear")[1] == "Cleared the daily spend cap.\n"
    assert json.loads(run("spend-cap", "--json")[1]) == none


def test_spend_cap_refused_for_a_non_owner(http, signed_in):
    http.put(f"{BASE}/v1/billing/spend-cap", status=403, json=envelope("FORBIDDEN", "owners only"))
    code, _, err = run("spend-cap", "set", "10")
    assert code == 1 and err.startswith("error FORBIDDEN: owners only")


def test_insufficient_funds_has_a_hint():
    err = io.StringIO()
    cli.print_error(err, ApiError(402, "INSUFFICIENT_FUNDS", "top up first", "req-1"))
    assert "hint: see the balance and runway: gpuaas balance; top up: gpuaas topup AMOUNT" in err.getvalue()
