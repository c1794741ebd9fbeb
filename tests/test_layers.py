"""The layers of pyproject.toml's import-linter contract hold, and the contract catches an import that climbs up."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = (
    "core",
    "schemas",
    "extractors",
    "expectations",
    "warehouse",
    "forms",
    "publishing",
    "reports",
    "samples",
    "pipeline",
    "flows",
    "parindex",
)


def _lint(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(project)},
    )


def test_every_package_imports_only_the_layers_below_it():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_an_import_climbing_up_breaks_the_contract(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    errors = tmp_path / "core" / "errors.py"
    errors.write_text(errors.read_text(encoding="utf-8") + "\n\ndef _climb() -> None:\n    import pipeline.steps  # noqa: F401\n", encoding="utf-8")
    done = _lint(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "0 kept, 1 broken" in done.stdout
    assert "core.errors -> pipeline.steps" in done.stdout
