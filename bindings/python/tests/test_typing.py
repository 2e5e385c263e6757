"""The package is typed (PEP 561: py.typed) and `mypy --strict` finds nothing in it, with the
settings in bindings/python/pyproject.toml."""

import pathlib
import subprocess
import sys

import pytest

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_package_has_a_py_typed_marker():
    assert (PACKAGE_ROOT / "safeguard" / "py.typed").is_file()


def test_mypy_strict_is_clean(tmp_path):
    pytest.importorskip("mypy", reason="mypy is not installed (Debian: python3-mypy)")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--config-file",
         str(PACKAGE_ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "cache"),
         "-p", "safeguard"],
        cwd=str(PACKAGE_ROOT), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout
