"""`pip install ./bindings/python` as an analyst does it: into a fresh virtual environment,
offline (no index, no build isolation: Debian's setuptools and wheel build it), with the shared
library bundled into the package. The installed package has metadata, finds its own library
with no SAFEGUARD_LIBRARY and no PYTHONPATH, and runs the quick start of docs/python.md."""

import os
import re
import shutil
import subprocess
import venv

import pytest

from conftest import ROOT

PACKAGE_SOURCE = ROOT / "bindings" / "python"


def quick_start():
    text = (ROOT / "docs" / "python.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def run(command, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, "%s failed:\n%s\n%s" % (command, done.stdout, done.stderr)
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    library = os.environ.get("SAFEGUARD_LIBRARY")
    if not library:
        pytest.skip("SAFEGUARD_LIBRARY names no built library to bundle")
    work = tmp_path_factory.mktemp("pip")
    # A copy, so the build's scratch (build/, *.egg-info) stays out of the source tree.
    source = work / "source"
    shutil.copytree(PACKAGE_SOURCE, source,
                    ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
    environment = work / "venv"
    # System site packages: Debian's setuptools and wheel build the package, and numpy and
    # pandas serve the quick start, as for an analyst on Debian.
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(environment)
    python = str(environment / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_INDEX_URL")}
    env["SAFEGUARD_LIBRARY"] = library
    run([python, "-m", "pip", "install", "--no-index", "--no-build-isolation", "--no-cache-dir",
         "--disable-pip-version-check", str(source)], env=env)
    del env["SAFEGUARD_LIBRARY"]
    return python, env, environment


def test_metadata(installed):
    python, env, _ = installed
    shown = run([python, "-m", "pip", "show", "-f", "safeguard"], env=env)
    assert re.search(r"^Name: safeguard$", shown, re.M)
    assert re.search(r"^Version: 0\.1\.0$", shown, re.M)
    assert "safeguard/py.typed" in shown
    assert re.search(r"safeguard/libsafeguard\.so\.[0-9]+$", shown, re.M)


def test_quick_start_runs_from_the_environment(installed):
    python, env, environment = installed
    check = ("import os, safeguard\n"
             "print('package', os.path.realpath(safeguard.__file__))\n"
             "print('library', os.path.realpath(safeguard.library_path()))\n")
    out = run([python, "-c", check + quick_start()], env=env, cwd=str(ROOT))
    prefix = os.path.realpath(environment)
    assert "package %s/" % prefix in out
    assert "library %s/" % prefix in out
    assert re.search(r"^P-ASH-C1 child_in_need 12\.24$", out, re.M)


def test_bundled_library_is_not_the_build_tree_one(installed):
    python, env, environment = installed
    # The package must not fall back on the checkout's ./build: run it from elsewhere.
    out = run([python, "-c", "import safeguard; print(safeguard.library_path())"], env=env,
              cwd=str(environment))
    assert os.path.realpath(out.strip()).startswith(os.path.realpath(environment))

