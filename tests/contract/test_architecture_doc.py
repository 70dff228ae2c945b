"""doc/architecture.md's table of ports names real Protocols, and the composition root passes each
cross-context port an implementation that mypy has checked against it (see `make typecheck`)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Protocol

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "doc" / "architecture.md").read_text()

pytestmark = pytest.mark.unit


def _section(title: str) -> str:
    start = DOC.index(f"## {title}")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end != -1 else None]


def _port_rows() -> list[tuple[str, str]]:
    rows = []
    for line in _section("Contexts and their ports").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in {"consumer", "---"} or set(cells[0]) <= {"-"}:
            continue
        for name in re.findall(r"`([A-Z][A-Za-z]+)(?:\.[a-z_]+)?`", cells[1]):
            rows.append((cells[0], name))
    return rows


def test_the_table_lists_ports():
    assert len(_port_rows()) >= 8


@pytest.mark.parametrize(("consumer", "port"), _port_rows())
def test_each_port_in_the_table_is_a_protocol_of_its_consumer(consumer: str, port: str):
    module = importlib.import_module(f"chalicelib.{consumer}.ports")
    cls = getattr(module, port, None)
    assert cls is not None, f"chalicelib/{consumer}/ports.py has no {port}"
    assert Protocol in getattr(cls, "__mro__", ()), f"{port} is not a Protocol"


def test_every_cross_context_port_is_in_the_table():
    """A Protocol whose docstring section says another context implements it must be documented."""
    listed = {port for _, port in _port_rows()}
    for ports in sorted((ROOT / "chalicelib").glob("*/ports.py")):
        text = ports.read_text()
        for block in re.split(r"\n# What \w+ needs from ", text)[1:]:
            for name in re.findall(r"^class (\w+)\(Protocol\)", block, flags=re.M):
                assert name in listed, f"{ports.relative_to(ROOT)}: {name} is missing from doc/architecture.md"
