"""Generate the SDK's HTTP layer (``client/gpuaas_client/_api/``) from ``doc/openapi.yaml``, or check it.

    python client/scripts/generate_sdk.py           # regenerate in place (``make sdk``)
    python client/scripts/generate_sdk.py --check   # fail when the committed code is stale (``make sdk-check``)

The generator is openapi-python-client (pinned in requirements-dev.txt), with ``client/sdk-generator.yaml``.
It reads a view of the document in which every error response (4xx/5xx) is the plain error envelope
(``#/components/schemas/Error``): the document narrows each one to the codes that operation can return
(``allOf`` the envelope and an ``enum``), which the generator turns into one model per operation and
status, some 1,350 copies of the same envelope. The SDK maps every error to ``ApiError`` with the
catalog's code instead. The view also drops ``format: date-time`` and ``format: date``: the generated
models would parse those strings into ``datetime``/``date`` and render them back with ``isoformat()``
(``...Z`` becomes ``...+00:00``, milliseconds become microseconds), so a model's ``to_dict()`` would not
be the JSON the API sent. As plain strings they come back exactly (the generator has no setting for
this). The document itself is not changed. The output is formatted by ruff
(``client/sdk-ruff.toml``) and holds no timestamps, so the check is stable.
"""

from __future__ import annotations

import argparse
import difflib
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "doc" / "openapi.yaml"
CONFIG = ROOT / "client" / "sdk-generator.yaml"
RUFF_CONFIG = ROOT / "client" / "sdk-ruff.toml"
TARGET = ROOT / "client" / "gpuaas_client" / "_api"
ERROR_ENVELOPE = {"$ref": "#/components/schemas/Error"}
# String formats the generated models would turn into Python objects that do not render back as sent.
VERBATIM_FORMATS = frozenset({"date-time", "date"})


def _verbatim_strings(node: Any) -> None:
    """Drop ``format: date-time``/``date`` everywhere, in place: those values stay the API's strings."""
    if isinstance(node, dict):
        if isinstance(node.get("format"), str) and node["format"] in VERBATIM_FORMATS:
            del node["format"]
        for value in node.values():
            _verbatim_strings(value)
    elif isinstance(node, list):
        for value in node:
            _verbatim_strings(value)


def generator_view(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every error response's body the plain error envelope, and timestamps and days
    plain strings (see the module's doc)."""
    _verbatim_strings(document)

    def plain(response: dict[str, Any]) -> None:
        for media in (response.get("content") or {}).values():
            media["schema"] = dict(ERROR_ENVELOPE)

    for name, response in (document.get("components", {}).get("responses") or {}).items():
        if "$ref" not in response:
            plain(response)
        document["components"]["responses"][name] = response
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for status, response in (operation.get("responses") or {}).items():
                if str(status)[0] in "45" and "$ref" not in response:
                    plain(response)
    return document


def _tool(name: str) -> str:
    """A console script of this interpreter's environment (``make`` may not have the venv on PATH)."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else name


def generate(into: Path) -> None:
    """Generate the package into ``into`` (which must not exist yet)."""
    with tempfile.TemporaryDirectory(prefix="gpuaas-sdk-") as scratch:
        view = Path(scratch) / "openapi.json"
        document = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
        view.write_text(json.dumps(generator_view(document), indent=1), encoding="utf-8")
        command = [
            _tool("openapi-python-client"),
            "generate",
            "--path",
            str(view),
            "--config",
            str(CONFIG),
            "--meta",
            "none",
            "--output-path",
            str(into),
            "--fail-on-warning",
        ]
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise SystemExit(f"openapi-python-client failed on {DOCUMENT.relative_to(ROOT)}")
    ruff = _tool("ruff")
    for args in (["check", "--fix-only", "--quiet"], ["format", "--quiet"]):
        subprocess.run([ruff, *args, "--no-cache", "--config", str(RUFF_CONFIG), str(into)], check=True)  # noqa: S603


def _differences(expected: Path, actual: Path) -> list[str]:
    """Paths (relative to the package) that differ, are missing or are extra in ``actual``."""
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(f"{prefix}{n} (missing)" for n in cmp.left_only if n != "__pycache__")
        found.extend(f"{prefix}{n} (not generated)" for n in cmp.right_only if n != "__pycache__")
        found.extend(f"{prefix}{n}" for n in cmp.diff_files)
        for name, sub in cmp.subdirs.items():
            if name != "__pycache__":
                walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(expected, actual, ignore=[]), "")
    return sorted(found)


def check() -> int:
    with tempfile.TemporaryDirectory(prefix="gpuaas-sdk-check-") as scratch:
        fresh = Path(scratch) / "_api"
        generate(fresh)
        if not TARGET.is_dir():
            print(f"{TARGET.relative_to(ROOT)} is missing: run `make sdk` and commit it.", file=sys.stderr)
            return 1
        stale = _differences(fresh, TARGET)
        if not stale:
            print(f"{TARGET.relative_to(ROOT)} is up to date with {DOCUMENT.relative_to(ROOT)}.")
            return 0
        print(
            f"The generated SDK in {TARGET.relative_to(ROOT)} is stale against {DOCUMENT.relative_to(ROOT)} "
            f"({len(stale)} files differ). Run `make sdk` and commit the result.",
            file=sys.stderr,
        )
        for name in stale[:20]:
            print(f"  {name}", file=sys.stderr)
        first = next((n for n in stale if (fresh / n).is_file() and (TARGET / n).is_file()), None)
        if first is not None:
            diff = difflib.unified_diff(
                (TARGET / first).read_text(encoding="utf-8").splitlines(keepends=True),
                (fresh / first).read_text(encoding="utf-8").splitlines(keepends=True),
                f"committed/{first}",
                f"generated/{first}",
            )
            sys.stderr.writelines(list(diff)[:60])
        return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the committed code is stale")
    args = parser.parse_args(argv)
    if args.check:
        return check()
    with tempfile.TemporaryDirectory(prefix="gpuaas-sdk-", dir=TARGET.parent) as scratch:
        fresh = Path(scratch) / "_api"
        generate(fresh)
        shutil.rmtree(TARGET, ignore_errors=True)
        fresh.rename(TARGET)
    print(f"Generated {TARGET.relative_to(ROOT)} from {DOCUMENT.relative_to(ROOT)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
