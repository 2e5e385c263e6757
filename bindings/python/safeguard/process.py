"""Statutory processes: the steps and timescales timelines follow (docs/timescales.md)."""

import ctypes
import os
import typing

from . import _core
from ._core import check, lib, optional_text, text


class Process(_core.Handle):
    """A nation's statutory process file, or a local file (`[process] extends = "england"`)
    that sets the local steps (visit frequency...) over the bundled process of its nation.
    Pass it to assess(..., process=...). Immutable once loaded: share it freely."""

    _kind = "process"

    def __init__(self, pointer: typing.Optional[int]) -> None:
        super().__init__(pointer, lib.sg_process_free)

    @classmethod
    def load(cls, path: typing.Union[str, "os.PathLike[str]"], *,
             nation: str = "england-and-wales") -> "Process":
        """Reads a process file for a case in `nation` ("england-and-wales", "england",
        "wales", "scotland", "northern-ireland"); another nation's file is refused
        (InvalidArgumentError), a malformed one raises ParseError naming file, line and
        column."""
        out = ctypes.c_void_p()
        check(lib.sg_process_load_file(ctypes.byref(out), text(os.fspath(path), "path"),
                                       text(nation, "nation")))
        return cls(out.value)

    @classmethod
    def loads(cls, content: typing.Union[str, bytes], *, nation: str = "england-and-wales",
              name: typing.Optional[str] = None) -> "Process":
        """As load(), from text; `name` is what errors call it."""
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        out = ctypes.c_void_p()
        check(lib.sg_process_load_buffer(ctypes.byref(out), data, len(data),
                                         optional_text(name, "name"), text(nation, "nation")))
        return cls(out.value)

    @property
    def nation(self) -> str:
        """The nation the process is for: "england", "wales", "scotland" or
        "northern-ireland"."""
        out = ctypes.c_char_p()
        with self._lock:
            check(lib.sg_process_nation(ctypes.byref(out), self._pointer()))
        return (out.value or b"").decode("ascii")

    def __repr__(self) -> str:
        if self.closed:
            return "<safeguard.Process closed>"
        return "<safeguard.Process for %s>" % self.nation
