"""The architecture of README "Architecture" holds: the import-linter contracts in
pyproject.toml pass, and they cover every package there is."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def test_import_contracts_hold():
    result = subprocess.run(  # noqa: S603 - our own venv's lint-imports
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_the_engine_contract_names_every_other_workflows_package():
    """A new package beside the engine is forbidden to it from the day it is added."""
    forbidden = set(_contracts()["engine-is-pure"]["forbidden_modules"])
    siblings = {
        f"workflows.{path.stem}"
        for path in (ROOT / "workflows").iterdir()
        if path.stem not in ("engine", "__init__", "__pycache__")
        and (path.suffix == ".py" or (path / "__init__.py").exists())
    }
    assert siblings <= forbidden, sorted(siblings - forbidden)
