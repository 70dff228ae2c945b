"""The CLI's conventions, against a small real HTTP server: output formats, --quiet, exit codes, colour,
profiles, --version and shell completion."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import yaml
from gpuaas_client.cli import ExitCode, main
from gpuaas_client.credentials import CredentialStore

from tests.unit.client.api_samples import api_object

pytestmark = pytest.mark.unit

SKU = api_object(
    "Sku",
    **{
        "id": "sku_" + "a" * 26,
        "name": "h100-x1",
        "gpu_model": "H100-80GB-SXM",
        "gpus": 1,
        "vcpus": 26,
        "ram_gib": 225,
        "region": "us-east-1",
        "price_per_hour_micros": 2_490_000,
        "currency": "USD",
        "free_slots": 1,
        "total_slots": 4,
    },
)
OTHER = {**SKU, "id": "sku_" + "b" * 26, "name": "h100-x8", "gpus": 8}
ME = {
    "user": {"id": "usr_1", "email": "alice@dev.local", "name": "Alice"},
    "org": {"id": "org_1", "name": "acme"},
    "role": "owner",
    "operator": False,
    "auth": "api_key",
    "orgs": [{"id": "org_1", "name": "acme", "role": "owner"}],
}


def envelope(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "request_id": "req-1"}}


class StubApi:
    """Answers ``(method, path)`` with a canned status and JSON body; remembers what it was asked."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], tuple[int, Any]] = {}
        self.requests: list[tuple[str, str, str | None]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                path = self.path.split("?", 1)[0]
                stub.requests.append((self.command, self.path, self.headers.get("Authorization")))
                status, body = stub.routes.get(
                    (self.command, path), (404, envelope("ROUTE_NOT_FOUND", f"No route {path}"))
                )
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def route(self, method: str, path: str, body: Any, status: int = 200) -> None:
        self.routes[(method, path)] = (status, body)


@pytest.fixture
def api() -> Iterator[StubApi]:
    stub = StubApi()
    stub.thread.start()
    stub.route("GET", "/v1/skus", {"items": [SKU, OTHER], "next_cursor": None})
    stub.route("GET", "/v1/me", ME)
    yield stub
    stub.server.shutdown()
    stub.server.server_close()


@pytest.fixture(autouse=True)
def config(tmp_path, monkeypatch) -> CredentialStore:
    monkeypatch.setenv("GPUAAS_CONFIG_DIR", str(tmp_path / "gpuaas"))
    for name in ("GPUAAS_API_URL", "GPUAAS_API_KEY", "GPUAAS_PROFILE", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    return CredentialStore()


@pytest.fixture
def signed_in(config, api) -> None:
    config.put_api_key("default", api.url, "gpk_default")


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stdout is when a person runs the command."""

    def isatty(self) -> bool:
        return True


def run(*argv: str, tty: bool = False) -> tuple[int, str, str]:
    out, err = (Terminal(), Terminal()) if tty else (io.StringIO(), io.StringIO())
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


# Output formats -----------------------------------------------------------------------------


def test_json_is_the_api_objects_keys_sorted_before_or_after_the_command(api):
    code, out, err = run("--api-url", api.url, "skus", "-o", "json")
    assert code == 0 and err == ""
    assert json.loads(out) == [SKU, OTHER]
    assert out == json.dumps([SKU, OTHER], indent=2, sort_keys=True) + "\n"
    assert run("--api-url", api.url, "--output", "json", "skus")[1] == out
    assert run("--api-url", api.url, "skus", "--json")[1] == out


def test_yaml_is_the_same_data(api):
    code, out, _ = run("--api-url", api.url, "skus", "--output", "yaml")
    assert code == 0 and yaml.safe_load(out) == [SKU, OTHER]


def test_table_for_a_pipe_is_plain_columns(api):
    code, out, _ = run("--api-url", api.url, "skus")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["ID", "NAME", "GPU"]
    assert lines[1].split()[:2] == [SKU["id"], "h100-x1"] and "$2.49" in lines[1]
    assert "\x1b" not in out and all(line == line.rstrip() for line in lines)


def test_quiet_prints_ids_only(api, signed_in):
    assert run("--api-url", api.url, "skus", "--quiet") == (0, f"{SKU['id']}\n{OTHER['id']}\n", "")
    assert run("-q", "--api-url", api.url, "whoami") == (0, "usr_1\n", "")


def test_an_unknown_format_is_a_usage_error():
    code, out, err = run("skus", "-o", "xml")
    assert code == ExitCode.USAGE == 2 and out == "" and "usage:" in err and "'xml'" in err


# Exit codes and errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "exit_code"),
    [
        (404, "ALLOCATION_NOT_FOUND", ExitCode.NOT_FOUND),
        (402, "INSUFFICIENT_FUNDS", ExitCode.PAYMENT_REQUIRED),
        (402, "SPEND_CAP_REACHED", ExitCode.PAYMENT_REQUIRED),
        (404, "ROUTE_NOT_FOUND", ExitCode.ERROR),  # the API lacks the route: not a missing thing
        (409, "INVALID_ALLOCATION_STATE", ExitCode.ERROR),
        (403, "FORBIDDEN", ExitCode.ERROR),
    ],
)
def test_exit_codes_follow_the_api_error(api, signed_in, status, code, exit_code):
    api.route("POST", "/v1/allocations/alc_1/release", envelope(code, "refused"), status=status)
    got, out, err = run("allocations", "release", "alc_1")
    assert got == exit_code and out == ""
    assert err.splitlines()[0] == f"error {code}: refused (req-1)"
    assert "Traceback" not in err


def test_exit_code_values_are_the_documented_ones():
    assert [int(c) for c in ExitCode] == [0, 1, 2, 4, 5, 130]


def test_an_unreachable_api_is_an_error_without_a_traceback(signed_in):
    code, _, err = run("--api-url", "http://127.0.0.1:9", "whoami")
    assert code == 1 and err.startswith("error: ") and "Traceback" not in err


# Colour -------------------------------------------------------------------------------------


def test_colour_on_a_terminal_and_never_with_no_color(api, monkeypatch):
    _, out, _ = run("--api-url", api.url, "skus", tty=True)
    assert "\x1b[" in out  # a styled header on a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = run("--api-url", api.url, "skus", tty=True)
    assert "\x1b" not in out and "h100-x1" in out


def test_errors_are_red_on_a_terminal_only(api, signed_in, monkeypatch):
    api.route("GET", "/v1/allocations/alc_1", envelope("ALLOCATION_NOT_FOUND", "No such allocation"), status=404)
    _, _, err = run("allocations", "get", "alc_1", tty=True)
    assert "\x1b[" in err and "ALLOCATION_NOT_FOUND" in err
    monkeypatch.setenv("NO_COLOR", "1")
    code, _, err = run("allocations", "get", "alc_1", tty=True)
    assert code == 4 and err.startswith("error ALLOCATION_NOT_FOUND: No such allocation (req-1)")


# Profiles -----------------------------------------------------------------------------------


def test_profiles_set_use_and_pick(api, config, monkeypatch):
    assert run("--profile", "work", "config", "set", "api_url", api.url + "/")[0] == 0
    assert config.settings("work") == {"api_url": api.url}
    config.put_api_key("work", api.url, "gpk_work")
    config.put_api_key("ci", "http://127.0.0.1:9", "gpk_ci")

    code, out, err = run("whoami")  # the default profile is not signed in
    assert code == 1 and "not signed in (profile 'default')" in err

    assert run("config", "use", "work")[0] == 0
    code, out, _ = run("whoami", "-o", "json")
    assert code == 0 and json.loads(out) == ME
    assert api.requests[-1][2] == "Bearer gpk_work"

    monkeypatch.setenv("GPUAAS_PROFILE", "ci")  # the environment beats `config use`
    assert run("config", "show", "-o", "json")[1].count('"name": "ci"') == 1
    code, out, _ = run("--profile", "work", "config", "show", "--json")  # --profile beats both
    shown = json.loads(out)
    assert shown["name"] == "work" and shown["effective_api_url"] == api.url and shown["auth"] == "api_key"

    listed = json.loads(run("config", "list", "--json")[1])
    assert [(p["name"], p["current"]) for p in listed] == [("ci", True), ("work", False)]
    assert "gpk_" not in json.dumps(listed)  # never a secret
    assert stat.S_IMODE(os.stat(config.path).st_mode) == 0o600


def test_settings_survive_sign_in_and_out(api, config):
    run("config", "set", "org", "acme")
    run("config", "set", "output", "json")
    config.put_session("default", api.url, "a", "r")
    api.route("POST", "/v1/auth/logout", {}, status=204)
    assert run("logout")[0] == 0
    assert config.get("default") is None
    assert config.settings("default") == {"org": "acme", "output": "json"}


def test_a_profile_output_setting_is_the_default_format(api, config):
    run("config", "set", "output", "json")
    run("config", "set", "api_url", api.url)
    assert json.loads(run("skus")[1]) == [SKU, OTHER]
    assert run("skus", "-o", "table")[1].startswith("ID")


def test_bad_settings_are_usage_errors():
    assert run("config", "set", "output", "xml")[0] == 2
    assert run("config", "set", "api_url", "ftp://x")[0] == 2
    assert run("config", "set", "colour", "red")[0] == 2


def test_a_credentials_file_from_before_profiles_still_reads(api, config):
    config.directory.mkdir(parents=True)
    config.path.write_text(json.dumps({"version": 1, "profiles": {"default": {"api_url": api.url, "api_key": "k"}}}))
    code, out, _ = run("whoami", "--json")
    assert code == 0 and json.loads(out)["user"]["id"] == "usr_1"
    listed = json.loads(run("config", "list", "--json")[1])
    assert listed == [
        {"name": "default", "current": True, "api_url": api.url, "org": None, "output": None, "auth": "api_key"}
    ]


# Version and completion ---------------------------------------------------------------------


def test_version():
    from gpuaas_client import __version__

    assert run("--version") == (0, f"gpuaas {__version__}\n", "")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion(shell):
    code, out, _ = run("--show-completion", shell)
    assert code == 0 and "_GPUAAS_COMPLETE" in out


def test_install_completion_writes_the_script_once(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SHELL", "/bin/bash")
    for _ in range(2):
        code, _, err = run("--install-completion")
        assert code == 0 and "bash completion installed" in err
    assert "_GPUAAS_COMPLETE" in (tmp_path / ".bash_completions" / "gpuaas.sh").read_text()
    assert (tmp_path / ".bashrc").read_text().count("source ") == 1


def test_completion_completes_commands():
    env = {**os.environ, "_GPUAAS_COMPLETE": "bash_complete", "COMP_WORDS": "gpuaas alloc", "COMP_CWORD": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "gpuaas_client.cli"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "allocations" in done.stdout


def test_the_entry_point_exits_with_the_code(tmp_path):
    env = {**os.environ, "GPUAAS_CONFIG_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "gpuaas_client.cli", "statement", "November"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == "" and "not a month" in done.stderr
