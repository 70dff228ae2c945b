"""The workflows' definitions agree with the code they drive: error names are real error classes,
steps are real steps, and every state is reachable and ends somewhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.core import errors
from functions.allocation_workflow import STEPS

MACHINES = sorted((Path(__file__).parents[2] / "statemachines").glob("*.asl.json"))
ERROR_CLASSES = {cls.__name__ for cls in errors.CATALOG.values()}


def states(path: Path) -> dict:
    return json.loads(path.read_text())["States"]


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.name)
def test_error_names_are_error_classes_or_step_functions_names(path: Path):
    for name, state in states(path).items():
        for clause in state.get("Retry", []) + state.get("Catch", []):
            for error in clause["ErrorEquals"]:
                known = error.startswith(("States.", "Lambda.")) or error in ERROR_CLASSES
                assert known, f"{path.name}:{name} matches {error!r}, which nothing raises"


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.name)
def test_task_steps_exist_and_every_state_is_reachable(path: Path):
    machine = json.loads(path.read_text())
    all_states = machine["States"]
    reached, todo = set(), [machine["StartAt"]]
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        state = all_states[name]
        payload = state.get("Parameters", {}).get("Payload", {})
        if "step" in payload:
            assert payload["step"] in STEPS, f"{path.name}:{name} calls unknown step {payload['step']!r}"
        targets = [state.get("Next"), state.get("Default")]
        targets += [c["Next"] for c in state.get("Catch", []) + state.get("Choices", [])]
        todo += [t for t in targets if t]
        if state["Type"] not in ("Succeed", "Fail"):
            assert any(targets), f"{path.name}:{name} leads nowhere"
    assert reached == set(all_states), f"unreachable: {set(all_states) - reached}"
