"""Build steps pyproject.toml cannot declare: bundling the shared library into the package.

The library bundled is, in order:

1. SAFEGUARD_LIBRARY: the library file, or a directory holding it (an error if it names
   nothing), as the package reads it at run time;
2. the library of a source checkout built with scripts/build.sh (../../build).

It is copied into the package under its soname with an _install.py naming it, which is where
the package looks first after SAFEGUARD_LIBRARY (see safeguard/_lib.py). SAFEGUARD_BUNDLE=0
bundles nothing: the package then finds the library on the system library path, as a distro
that packages libsafeguard separately wants. With a library bundled the wheel is tagged for
this platform (it holds machine code), not "py3-none-any".
"""

import os
import re
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
_VERSION = (HERE / "safeguard" / "_version.py").read_text(encoding="utf-8")
_MAJOR = int(re.search(r"^VERSION_MAJOR = ([0-9]+)$", _VERSION, re.M).group(1))
_NAMES = ("libsafeguard.so.%d" % _MAJOR, "libsafeguard.%d.dylib" % _MAJOR, "libsafeguard.dylib",
          "safeguard.dll")


def _in_directory(directory):
    for name in _NAMES:
        if (directory / name).is_file():
            return directory / name
    return None


def library_to_bundle():
    """The library file to copy into the package, or None."""
    if os.environ.get("SAFEGUARD_BUNDLE", "1") == "0":
        return None
    value = os.environ.get("SAFEGUARD_LIBRARY")
    if value:
        path = Path(value)
        found = _in_directory(path) if path.is_dir() else (path if path.is_file() else None)
        if found is None:
            raise SystemExit("SAFEGUARD_LIBRARY=%s names no safeguard library" % value)
        return found
    return _in_directory(HERE.parent.parent / "build")


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        library = library_to_bundle()
        if library is None:
            print("safeguard: no shared library bundled; it is found at run time")
            return
        package = Path(self.build_lib) / "safeguard"
        # Under its soname whatever it was given as (libsafeguard.so, libsafeguard.so.0.1.0).
        name = _NAMES[0] if library.name.startswith("libsafeguard.so") else library.name
        shutil.copyfile(library, package / name)  # follows symbolic links
        (package / "_install.py").write_text(
            '"""Written by setup.py: the bundled shared library, relative to this package."""'
            '\n\nLIBRARY_RELATIVE_PATH = "%s"\n' % name, encoding="utf-8")
        print("safeguard: bundled %s" % library)


class PlatformDistribution(Distribution):
    def has_ext_modules(self):
        return library_to_bundle() is not None


setup(cmdclass={"build_py": BuildWithLibrary}, distclass=PlatformDistribution)
