"""The gpuaas command line: argument parsing, money conversion, output, errors, stored credentials."""

from __future__ import annotations

import json
import os
import stat

import pytest
from gpuaas_client import cli
from gpuaas_client.cli import dollars_to_micros, format_micros, main, render_table
from responses import matchers

from tests.unit.client.api_samples import api_object
from tests.unit.client.conftest import BASE

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("config")]

ME = {
    "user": {"id": "usr_1", "email": "alice@dev.local", "name": "Alice"},
    "org": {"id": "org_1", "name": "acme"},
    "role": "owner",
    "operator": False,
    "auth": "session",
    "orgs": [{"id": "org_1", "name": "acme", "role": "owner"}],
}


def tokens(n: int) -> dict:
    return {
        "access_token": f"access-{n}",
        "refresh_token": f"refresh-{n}",
        "token_type": "Bearer",
        "expires_in": 900,
        "user_id": "usr_1",
        "org_id": "org_1",
    }


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# Money --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("2.49", 2_490_000),
        ("0.000001", 1),
        ("0", 0),
        ("10", 10_000_000),
        ("1.5", 1_500_000),
        (" 3.10 ", 3_100_000),
        ("0.1", 100_000),  # 0.1 is not exact as a float; as a Decimal it is
        ("123456.789012", 123_456_789_012),
    ],
)
def test_dollars_to_micros(text, micros):
    assert dollars_to_micros(text) == micros
    assert type(dollars_to_micros(text)) is int


@pytest.mark.parametrize("text", ["abc", "", "-1", "-0.01", "0.0000001", "NaN", "inf", "1,5", "$2", "1e30"])
def test_dollars_to_micros_refuses(text):
    with pytest.raises(ValueError):
        dollars_to_micros(text)


@pytest.mark.parametrize(
    ("micros", "text"),
    [(2_490_000, "$2.49"), (1, "$0.000001"), (2_000_000, "$2.00"), (0, "$0.00"), (1_234_567, "$1.234567")],
)
def test_format_micros_is_exact(micros, text):
    assert format_micros(micros) == text
    assert dollars_to_micros(text.lstrip("$")) == micros


def test_format_micros_other_currency():
    assert format_micros(1_500_000, "EUR") == "1.50 EUR"


# Parsing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["bogus"],
        ["login"],  # no way to sign in chosen
        ["login", "--dev", "--api-key"],  # two ways
        ["login", "--dev", "--user", "a", "--org", "o", "--role", "god"],
        ["api-keys"],
        ["api-keys", "create"],
        ["api-keys", "create", "ci", "--expires-in-days", "0"],
        ["members", "add", "usr_1"],  # --role is required
        ["members", "add", "usr_1", "--role", "operator"],  # not an org role
        ["members", "set-role", "usr_1"],
        ["skus", "--max-price-per-hour", "abc"],
        ["skus", "--max-price-per-hour", "-1"],
        ["skus", "--min-gpus", "zero"],
    ],
)
def test_usage_errors_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert "usage:" in err


def test_login_dev_needs_user_and_org(capsys):
    code, _, err = run(capsys, "login", "--dev", "--user", "alice")
    assert code == 2 and "--user and --org" in err


def test_global_options_go_before_or_after_the_command():
    parser = cli.build_parser()
    before = cli.parse_args(parser, ["--json", "--profile", "ci", "--api-url", "http://x", "whoami"])
    after = cli.parse_args(parser, ["whoami", "--json", "--profile", "ci", "--api-url", "http://x"])
    plain = cli.parse_args(parser, ["whoami"])
    assert (before.json, before.profile, before.api_url) == (True, "ci", "http://x")
    assert (after.json, after.profile, after.api_url) == (True, "ci", "http://x")
    assert (plain.json, plain.profile, plain.api_url) == (False, "default", None)


def test_api_key_scopes_repeat_and_price_converts():
    parser = cli.build_parser()
    args = cli.parse_args(parser, ["api-keys", "create", "ci", "--scope", "read", "--scope", "members:write"])
    assert args.scopes == ["read", "members:write"]
    assert cli.parse_args(parser, ["skus", "--max-price-per-hour", "2.49"]).max_price_per_hour == 2_490_000


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "login" in out


def test_api_url_precedence(config, monkeypatch):
    parser = cli.build_parser()

    def url(*argv: str) -> str:
        return cli.Context(cli.parse_args(parser, [*argv, "whoami"]).options).api_url

    config.put_api_key("default", "http://stored/", "gpk_x")
    assert url("--api-url", "http://flag/") == "http://flag"
    assert url() == BASE
    monkeypatch.delenv("GPUAAS_API_URL")
    assert url() == "http://stored"
    assert url("--profile", "other") == cli.DEFAULT_API_URL


def test_render_table_aligns():
    assert render_table([["a", None], ["long", 2]], ["X", "Y"]).splitlines() == ["X     Y", "a     -", "long  2"]


# Commands -----------------------------------------------------------------------------------


def test_login_dev_stores_the_session_0600(capsys, http, config):
    http.post(
        f"{BASE}/v1/dev/token",
        json={**tokens(0), "id_token": "idt"},
        match=[matchers.json_params_matcher({"user": "alice", "org": "acme", "role": "owner"})],
    )
    code, out, _ = run(capsys, "login", "--dev", "--user", "alice", "--org", "acme", "--role", "owner")
    assert code == 0 and "usr_1" in out and "access-0" not in out
    assert config.get("default") == {"api_url": BASE, "access_token": "access-0", "refresh_token": "refresh-0"}
    assert stat.S_IMODE(os.stat(config.path).st_mode) == 0o600


def test_login_oidc_exchanges_the_token(capsys, http, config):
    http.post(
        f"{BASE}/v1/auth/token",
        json=tokens(3),
        match=[
            matchers.json_params_matcher(
                {"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_token": "idt"}
            )
        ],
    )
    code, out, _ = run(capsys, "--json", "login", "--oidc-token", "idt")
    assert code == 0 and json.loads(out)["user_id"] == "usr_1"
    assert config.get("default")["refresh_token"] == "refresh-3"


def test_login_api_key_from_the_environment_is_verified_then_stored(capsys, http, config, monkeypatch):
    monkeypatch.setenv("GPUAAS_API_KEY", "gpk_good")
    http.get(
        f"{BASE}/v1/me",
        json={**ME, "auth": "api_key"},
        match=[matchers.header_matcher({"Authorization": "Bearer gpk_good"})],
    )
    code, out, _ = run(capsys, "--profile", "ci", "login", "--api-key")
    assert code == 0 and "alice@dev.local" in out and "gpk_good" not in out
    assert config.get("ci") == {"api_url": BASE, "api_key": "gpk_good"}


def test_login_api_key_from_a_hidden_prompt(capsys, http, config, monkeypatch):
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: "gpk_typed\n")
    http.get(f"{BASE}/v1/me", json=ME, match=[matchers.header_matcher({"Authorization": "Bearer gpk_typed"})])
    assert run(capsys, "login", "--api-key")[0] == 0
    assert config.get("default")["api_key"] == "gpk_typed"


def test_a_refused_api_key_is_not_stored(capsys, http, config, monkeypatch):
    monkeypatch.setenv("GPUAAS_API_KEY", "gpk_bad")
    http.get(
        f"{BASE}/v1/me",
        status=401,
        json={"error": {"code": "INVALID_TOKEN", "message": "Unknown API key", "request_id": "req-9"}},
    )
    code, out, err = run(capsys, "login", "--api-key")
    assert code == 1 and out == ""
    assert err.splitlines()[0] == "error INVALID_TOKEN: Unknown API key (req-9)"
    assert config.get("default") is None


def test_whoami_without_credentials_fails(capsys):
    code, _, err = run(capsys, "whoami")
    assert code == 1 and "not signed in" in err


def test_whoami_refreshes_an_expired_session_and_stores_the_rotated_tokens(capsys, http, config):
    config.put_session("default", BASE, "access-0", "refresh-0")
    http.get(
        f"{BASE}/v1/me",
        status=401,
        json={"error": {"code": "INVALID_TOKEN", "message": "expired"}},
        match=[matchers.header_matcher({"Authorization": "Bearer access-0"})],
    )
    http.post(
        f"{BASE}/v1/auth/token",
        json=tokens(1),
        match=[matchers.json_params_matcher({"grant_type": "refresh_token", "refresh_token": "refresh-0"})],
    )
    http.get(f"{BASE}/v1/me", json=ME, match=[matchers.header_matcher({"Authorization": "Bearer access-1"})])
    code, out, _ = run(capsys, "whoami")
    assert code == 0 and "alice@dev.local" in out and "owner" in out
    assert config.get("default") == {"api_url": BASE, "access_token": "access-1", "refresh_token": "refresh-1"}


def test_whoami_json_prints_the_raw_body(capsys, http, config):
    config.put_session("default", BASE, "a", "r")
    http.get(f"{BASE}/v1/me", json=ME)
    code, out, _ = run(capsys, "whoami", "--json")
    assert code == 0 and json.loads(out) == ME


def test_errors_print_code_message_request_id_and_details(capsys, http, config):
    config.put_api_key("default", BASE, "gpk_x")
    http.post(
        f"{BASE}/v1/members",
        status=400,
        json={
            "error": {
                "code": "VALIDATION_ERROR",
                "message": "Invalid body",
                "request_id": "req-7",
                "details": [{"field": "user_id", "problem": "String should match pattern"}],
            }
        },
    )
    code, out, err = run(capsys, "members", "add", "nobody", "--role", "viewer")
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "error VALIDATION_ERROR: Invalid body (req-7)",
        "  user_id: String should match pattern",
    ]


def test_429_prints_the_retry_after(capsys, http, config):
    config.put_api_key("default", BASE, "gpk_x")
    http.get(
        f"{BASE}/v1/api-keys",
        status=429,
        headers={"Retry-After": "12"},
        json={"error": {"code": "RATE_LIMITED", "message": "Slow down", "request_id": "req-3"}},
    )
    code, _, err = run(capsys, "api-keys", "list")
    assert code == 1
    assert "error RATE_LIMITED: Slow down (req-3)" in err and "retry after 12 seconds" in err


def test_an_unreachable_api_exits_1(capsys, config):
    config.put_api_key("default", "http://127.0.0.1:9", "gpk_x")
    code, _, err = run(capsys, "--api-url", "http://127.0.0.1:9", "whoami")
    assert code == 1 and err.startswith("error: Cannot reach")


def test_api_keys_create_shows_the_secret_once_with_a_warning(capsys, http, config):
    config.put_session("default", BASE, "a", "r")
    key = {
        "id": "key_1",
        "prefix": "gpk_ab",
        "name": "ci",
        "scopes": ["read"],
        "role": "owner",
        "created_by": "usr_1",
        "created_at": "2025-01-01T00:00:00Z",
        "expires_at": None,
        "revoked_at": None,
        "last_used_at": None,
        "secret": "gpk_abcdef",
    }
    http.post(
        f"{BASE}/v1/api-keys",
        status=201,
        json=key,
        match=[matchers.json_params_matcher({"name": "ci", "scopes": ["read"], "expires_in_days": 7})],
    )
    code, out, err = run(capsys, "api-keys", "create", "ci", "--scope", "read", "--expires-in-days", "7")
    assert code == 0 and "secret: gpk_abcdef" in out
    assert "will not be shown again" in err
    assert http.calls[0].request.headers["Idempotency-Key"]


def test_api_keys_list_is_a_table(capsys, http, config):
    config.put_session("default", BASE, "a", "r")
    key = {"id": "key_1", "name": "ci", "prefix": "gpk_ab", "scopes": ["read", "members:read"], "role": "owner"}
    items = [api_object("ApiKey", **key)]
    http.get(f"{BASE}/v1/api-keys", json={"items": items, "next_cursor": None})
    code, out, _ = run(capsys, "api-keys", "list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:4] == ["ID", "NAME", "PREFIX", "SCOPES"]
    assert lines[1].split()[:4] == ["key_1", "ci", "gpk_ab", "read,members:read"]


def test_members_commands(capsys, http, config):
    config.put_session("default", BASE, "a", "r")
    member = {"user_id": "usr_2", "email": "b@x", "name": "B", "role": "viewer", "joined_at": "2025-01-01"}
    http.post(
        f"{BASE}/v1/members",
        status=201,
        json=member,
        match=[matchers.json_params_matcher({"user_id": "usr_2", "role": "viewer"})],
    )
    http.patch(
        f"{BASE}/v1/members/usr_2",
        json={**member, "role": "admin"},
        match=[matchers.json_params_matcher({"role": "admin"})],
    )
    http.delete(f"{BASE}/v1/members/usr_2", status=204)
    http.get(f"{BASE}/v1/members", json={"items": [], "next_cursor": None})
    assert run(capsys, "members", "add", "usr_2", "--role", "viewer")[0] == 0
    code, out, _ = run(capsys, "members", "set-role", "usr_2", "admin", "--json")
    assert code == 0 and json.loads(out)["role"] == "admin"
    code, out, _ = run(capsys, "members", "remove", "usr_2")
    assert code == 0 and "Removed usr_2" in out
    assert run(capsys, "members", "list")[1] == "(none)\n"


def test_skus_sends_micros_and_prints_dollars(capsys, http):
    sku = api_object(
        "Sku",
        **{
            "id": "sku_1",
            "name": "h100-x1",
            "gpu_model": "H100-80GB-SXM",
            "gpus": 1,
            "vcpus": 26,
            "ram_gib": 225,
            "region": "us-east-1",
            "price_per_hour_micros": 2_490_001,
            "currency": "USD",
            "free_slots": 1,
            "total_slots": 4,
        },
    )
    http.get(
        f"{BASE}/v1/skus",
        json={"items": [sku], "next_cursor": None},
        match=[
            matchers.query_param_matcher(
                {"max_price_per_hour_micros": "2490001", "available": "true", "min_gpus": "1", "region": "us-east-1"}
            )
        ],
    )
    code, out, _ = run(
        capsys, "skus", "--max-price-per-hour", "2.490001", "--available", "--min-gpus", "1", "--region", "us-east-1"
    )
    assert code == 0
    assert "$2.490001" in out and "1/4" in out and "sku_1" in out


def test_logout_ends_the_session_and_forgets_it(capsys, http, config):
    config.put_session("default", BASE, "a", "r")
    config.put_api_key("ci", BASE, "gpk_x")
    logout = http.post(
        f"{BASE}/v1/auth/logout", status=204, match=[matchers.json_params_matcher({"refresh_token": "r"})]
    )
    assert run(capsys, "logout")[0] == 0
    assert logout.call_count == 1
    assert config.get("default") is None and config.get("ci") is not None


def test_logout_everywhere(capsys, http, config):
    config.put_session("default", BASE, "a", "r")
    everywhere = http.post(f"{BASE}/v1/auth/logout-all", status=204)
    code, _, err = run(capsys, "logout", "--everywhere")
    assert code == 0 and everywhere.call_count == 1 and "everywhere" in err
    assert config.get("default") is None


def test_logout_of_a_dead_session_still_forgets_it(capsys, http, config):
    config.put_session("default", BASE, "a", "r")
    http.post(f"{BASE}/v1/auth/logout", status=401, json={"error": {"code": "INVALID_TOKEN", "message": "x"}})
    http.post(f"{BASE}/v1/auth/token", status=401, json={"error": {"code": "INVALID_TOKEN", "message": "x"}})
    assert run(capsys, "logout")[0] == 0
    assert config.get("default") is None


def test_logout_of_an_api_key_profile_only_forgets_it(capsys, http, config):
    config.put_api_key("default", BASE, "gpk_x")
    code, _, err = run(capsys, "logout")
    assert code == 0 and "revoke" in err and len(http.calls) == 0
    assert config.get("default") is None
