"""The gpuaas billing commands end to end: in process, against the local cloud's real API."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
from gpuaas_client.cli import format_duration, format_micros, main

from tests.e2e.fleet_helpers import new_public_key, scripted_host
from tests.e2e.helpers import sku_body
from tests.support.contracts import load_function_event

pytestmark = pytest.mark.e2e

WELCOME = 100_000_000  # the local stage's welcome credit: 100.00
PRICE = 3_600_000  # 3.60 per hour: 1000 micros a second


@pytest.fixture
def gpuaas(cloud, tmp_path, monkeypatch, capsys):
    """Run the CLI in process against the local cloud, with its own credentials directory (and its own
    streams: the in-process API prints its metrics to the process's stdout)."""
    monkeypatch.setenv("GPUAAS_CONFIG_DIR", str(tmp_path / "gpuaas"))
    monkeypatch.setenv("GPUAAS_API_URL", cloud.api_url)
    monkeypatch.delenv("GPUAAS_API_KEY", raising=False)

    def run(*argv: str, expect: int = 0) -> tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), stdout=out, stderr=err)
        capsys.readouterr()  # drop the server's own output
        assert code == expect, f"gpuaas {' '.join(argv)} -> {code}\nstdout: {out.getvalue()}\nstderr: {err.getvalue()}"
        return out.getvalue(), err.getvalue()

    return run


def run_json(gpuaas, *argv: str):
    out, _ = gpuaas(*argv, "--json")
    return json.loads(out)


def sign_in(gpuaas, name: str) -> dict:
    return run_json(gpuaas, "login", "--dev", "--user", f"{name}-owner", "--org", f"{name}-org", "--role", "owner")


def test_balance_ledger_usage_statement_and_spend_cap(gpuaas, api):
    signed_in = sign_in(gpuaas, "cli-bill")

    balance = run_json(gpuaas, "balance")
    assert balance["org_id"] == signed_in["org_id"] and balance["balance_micros"] == WELCOME
    assert balance["runway_seconds"] is None and balance["frozen"] is False
    out, err = gpuaas("balance")
    assert "balance:" in out and "$100.00" in out and "burn/hour:" in out and "$0.00" in out
    assert "- (nothing running)" in out and err == ""

    ledger = run_json(gpuaas, "ledger")
    assert [(e["kind"], e["wallet_delta_micros"]) for e in ledger] == [("promotion", WELCOME)]
    out, _ = gpuaas("ledger")
    assert "promotion" in out and "+$100.00" in out and "Welcome credit" in out
    out, _ = gpuaas("ledger", "--csv", "--all")
    lines = out.splitlines()
    assert lines[0] == "at,id,kind,wallet_delta_micros,currency,allocation_id,description"
    assert len(lines) == 2 and ",promotion,100000000,USD,," in lines[1]

    usage = run_json(gpuaas, "usage")
    assert usage["total_micros"] == 0 and usage["by_day"] == []
    out, _ = gpuaas("usage")
    assert "(none)" in out and "Total" in out and "$0.00" in out
    out, _ = gpuaas("usage", "--csv")
    assert out.splitlines() == ["day,allocation_id,sku_id,seconds,micros"]

    month = datetime.now(UTC).strftime("%Y-%m")
    statement = run_json(gpuaas, "statement", month)
    assert statement["closing_balance_micros"] == WELCOME
    assert statement["movements_micros"] == {"promotion": WELCOME}
    out, _ = gpuaas("statement", month)
    assert "opening:" in out and "promotion:" in out and "+$100.00" in out and "closing:" in out

    out, _ = gpuaas("spend-cap")
    assert out.strip() == "No daily spend cap."
    out, _ = gpuaas("spend-cap", "set", "10")
    assert "Daily spend cap: $10.00" in out
    assert run_json(gpuaas, "spend-cap")["daily_cap_micros"] == 10_000_000
    out, _ = gpuaas("spend-cap", "clear")
    assert out.strip() == "Cleared the daily spend cap."
    assert run_json(gpuaas, "spend-cap", "show")["daily_cap_micros"] is None

    # Usage errors never reach the API.
    gpuaas("topup", "-5", expect=2)
    gpuaas("topup", "25.505", expect=2)
    gpuaas("spend-cap", "set", "NaN", expect=2)
    gpuaas("statement", "2026-13", expect=2)


def test_an_allocation_burns_shows_runway_and_usage(gpuaas, api, cloud, tmp_path):
    sku = api.post("/v1/admin/skus", json=sku_body(name="cli-burn-sku", price_per_hour_micros=PRICE)).json()
    image = {"name": "cli-burn-img", "family": "ubuntu", "version": "22.04", "container_image": "nvidia/cuda:12"}
    api.post("/v1/admin/os-images", json=image)
    host = scripted_host(api, sku, "cli-burn-01.fleet", gpus=8)
    sign_in(gpuaas, "cli-burn")
    public_key = tmp_path / "id_ed25519.pub"
    public_key.write_text(new_public_key() + "\n")
    gpuaas("ssh-keys", "add", "laptop", str(public_key))
    allocation = run_json(gpuaas, "allocations", "create", "--sku", "cli-burn-sku", "--image", "cli-burn-img")
    [command] = host.commands()
    host.provisioned(command)
    for _ in range(200):
        allocation = run_json(gpuaas, "allocations", "get", allocation["id"])
        if allocation["state"] == "active":
            break
    assert allocation["state"] == "active"

    balance = run_json(gpuaas, "balance")
    assert balance["burn_rate_per_hour_micros"] == PRICE and balance["active_allocations"] == 1
    out, _ = gpuaas("balance")
    assert "$3.60" in out and "1 allocation" in out
    # 100.00 at 3.60 an hour: 27h 46m 40s less what is used already, shown as its two largest units.
    runway = next(line for line in out.splitlines() if line.startswith("runway:"))
    assert runway.split(":", 1)[1].strip() == "1d 3h" and 99_000 < balance["runway_seconds"] <= 100_000

    # Settle it up to the minute two and a half minutes on: 90 to 150 seconds of use.
    started = datetime.fromisoformat(allocation["activated_at"].replace("Z", "+00:00"))
    event = load_function_event("billing_sweep_schedule")
    moment = (started + timedelta(minutes=2, seconds=30)).astimezone(UTC)
    event["time"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    cloud.invoke("BillingSweepFunction", event)
    cloud.drain()

    # The sweep runs minutes ahead of the clock: near midnight its usage falls on the next day.
    days = ("--since", started.strftime("%Y-%m-%d"), "--until", (moment + timedelta(days=1)).strftime("%Y-%m-%d"))
    usage = run_json(gpuaas, "usage", *days)
    [row] = usage["by_allocation"]
    assert row["allocation_id"] == allocation["id"] and row["micros"] == PRICE * row["seconds"] // 3600
    assert 90 <= row["seconds"] <= 150
    out, _ = gpuaas("usage", "--by", "allocation", *days)
    assert allocation["id"] in out and format_duration(row["seconds"]) in out
    assert format_micros(row["micros"]) in out and f"for {format_duration(row['seconds'])} of use" in out
    out, _ = gpuaas("usage", *days)
    assert usage["by_day"][0]["day"] in out
    ledger = run_json(gpuaas, "ledger", "--limit", "1")
    assert len(ledger) == 1 and ledger[0]["kind"] == "usage" and ledger[0]["allocation_id"] == allocation["id"]
    out, _ = gpuaas("ledger")
    assert "usage" in out and "-$0." in out  # a charge


def test_topup_complete_raises_the_balance(gpuaas, api, cloud):
    probe = requests.post(f"{cloud.api_url}/v1/billing/checkout", json={}, timeout=30)
    if probe.status_code == 404 and probe.json().get("error", {}).get("code") == "ROUTE_NOT_FOUND":
        pytest.skip("POST /v1/billing/checkout is not there yet")
    sign_in(gpuaas, "cli-topup")
    assert run_json(gpuaas, "balance")["balance_micros"] == WELCOME

    out, err = gpuaas("topup", "25")
    assert "Pay $25.00 to top up: " in out and "gpuaas balance" in err
    url = out.strip().rsplit(" ", 1)[1]
    assert url.startswith("http")

    out, _ = gpuaas("topup", "25", "--complete")
    assert "Topped up $25.00" in out and "$125.00" in out
    assert run_json(gpuaas, "balance")["balance_micros"] == WELCOME + 25_000_000
    kinds = [e["kind"] for e in run_json(gpuaas, "ledger")]
    assert kinds.count("topup") == 1  # the first checkout was never paid

    done = json.loads(gpuaas("topup", "5.50", "--complete", "--json")[0])
    assert done["entry"]["wallet_delta_micros"] == 5_500_000
    assert done["balance"]["balance_micros"] == WELCOME + 30_500_000
