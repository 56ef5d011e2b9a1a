"""`make lint` is ruff, ruff format, mypy and the import layers, and CI stops when it fails."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]


def test_make_lint_runs_ruff_the_format_check_mypy_and_the_import_layers():
    make = shutil.which("make")
    require(make is not None, "make is not installed")
    # -n prints the commands without running them; VENV points at this checkout's tools.
    planned = subprocess.run(
        [make, "-n", "lint", "VENV=.venv"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for command in [
        ".venv/bin/ruff check .",
        ".venv/bin/ruff format --check .",
        ".venv/bin/mypy",
        ".venv/bin/lint-imports",
    ]:
        assert command in planned


def test_ci_lints_before_the_suites_and_stops_on_the_first_failure():
    script = (ROOT / ".ci" / "run").read_text().splitlines()
    assert "set -euo pipefail" in script
    assert script.index("make lint") < next(i for i, line in enumerate(script) if "make test" in line)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("def score(deal):\n    return 1\n", "[no-untyped-def]"),
        ("from accounts.models import User\n\ndef role(user: User) -> int:\n    return user.role\n", "[return-value]"),
    ],
)
def test_mypy_with_the_project_settings_refuses(code, error, tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(code)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", str(probe)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert error in result.stdout
