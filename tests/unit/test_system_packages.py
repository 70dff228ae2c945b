"""scripts/ensure-system-packages.sh: what make run and make test call before anything else."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ensure-system-packages.sh"


@pytest.mark.skipif(
    not (os.access("/usr/sbin/sshd", os.X_OK) and shutil.which("ssh") and shutil.which("ssh-keygen")),
    reason="OpenSSH is not installed here",
)
def test_it_is_quiet_and_succeeds_when_everything_is_installed():
    run = subprocess.run(["sh", str(SCRIPT)], capture_output=True, text=True, timeout=60, check=False)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def test_make_run_and_make_test_call_it():
    makefile = (SCRIPT.parents[1] / "Makefile").read_text()
    assert "system-packages:\n\t@sh scripts/ensure-system-packages.sh" in makefile
    assert "\nrun: $(STAMP) system-packages" in makefile
    assert "\ntest: $(STAMP) system-packages" in makefile
