"""The Makefile's targets as a newcomer uses them: installed once, JupyterLab
started so that it also works as root (common in containers)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dry_run(target: str, venv: Path) -> str:
    """What ``make -n TARGET`` would do, with the virtual environment at ``venv``."""
    result = subprocess.run(
        ["make", "-n", "-C", str(ROOT), target, f"VENV={venv}"], capture_output=True, text=True, check=True
    )
    return result.stdout


def fake_venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name in ("python", "jupyter"):
        (venv / "bin" / name).write_text("", encoding="utf-8")
        (venv / "bin" / name).chmod(0o755)
    return venv


def test_make_lab_installs_the_lab_extra_once_then_only_starts_jupyterlab(tmp_path):
    venv = fake_venv(tmp_path)
    (venv / ".installed-stamp").touch()
    first = dry_run("lab", venv)
    assert "pip install" in first and ".[dev,lab]" in first and "jupyter lab" in first
    (venv / ".lab-stamp").touch()
    again = dry_run("lab", venv)
    assert "pip install" not in again and "jupyter lab" in again


def test_make_lab_allows_root_only_for_root(tmp_path):
    venv = fake_venv(tmp_path)
    (venv / ".installed-stamp").touch()
    (venv / ".lab-stamp").touch()
    command = next(line for line in dry_run("lab", venv).splitlines() if "jupyter lab" in line)
    options = command.split("jupyter lab", 1)[1]  # what the shell makes of the rest of the line
    shell = subprocess.run(["sh", "-c", f"echo {options}"], capture_output=True, text=True, check=True)
    assert ("--allow-root" in shell.stdout) == (os.geteuid() == 0)


def test_installing_and_make_lab_turn_on_the_filter_that_keeps_notebook_outputs_out_of_git(tmp_path):
    venv = fake_venv(tmp_path)
    wanted = 'git config filter.strip-notebook-outputs.clean "python3 scripts/strip_notebook_outputs.py"'
    assert wanted in dry_run("demo", venv)  # the first install, as every target's
    (venv / ".installed-stamp").touch()
    (venv / ".lab-stamp").touch()
    assert wanted in dry_run("lab", venv)
    attributes = (ROOT / ".gitattributes").read_text(encoding="utf-8")
    assert "notebooks/*.ipynb filter=strip-notebook-outputs" in attributes


def test_make_demo_compiles_the_package_before_its_first_command(tmp_path):
    # where PYTHONDONTWRITEBYTECODE is set, an editable install would compile the
    # package anew at every start; the demo's commands start from bytecode instead
    venv = fake_venv(tmp_path)
    (venv / ".installed-stamp").touch()
    lines = dry_run("demo", venv).splitlines()
    compile_at = next(i for i, line in enumerate(lines) if "-m compileall" in line)
    first_command = next(i for i, line in enumerate(lines) if "bin/invoicekit " in line)
    assert compile_at < first_command and "invoicekit synthetic" in lines[compile_at]
