"""Shared helpers for the safeguard CLI tests: where the program and the sources are, and a
run() that captures everything."""
import os
import subprocess
import tempfile

SAFEGUARD = os.environ.get("SAFEGUARD_CLI", "safeguard")
SOURCE_DIR = os.environ.get("SAFEGUARD_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FAMILIES = os.path.join(SOURCE_DIR, "examples", "data", "families.json")
OAK = os.path.join(SOURCE_DIR, "examples", "data", "oak-household.json")
DEFAULT_PACK = os.path.join(SOURCE_DIR, "rules", "default.toml")


class Run:
    def __init__(self, completed):
        self.code = completed.returncode
        self.out = completed.stdout
        self.err = completed.stderr

    def text(self):
        return self.out.decode("utf-8")

    def errtext(self):
        return self.err.decode("utf-8")


def run(*args, env=None, stdin=None):
    completed = subprocess.run([SAFEGUARD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env, input=stdin, timeout=120)
    return Run(completed)


def scratch_dir():
    return tempfile.TemporaryDirectory(prefix="safeguard-cli-test-")
