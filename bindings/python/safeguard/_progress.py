"""Progress callbacks for long calls (loading and saving case files, assessing): a Python
callable, or a tqdm bar when tqdm is installed, behind the C API's sg_progress_fn.

A callback receives (done, total) and returns False to stop the call, which then raises
CancelledError and changes nothing; any other return value (None included) goes on. An
exception the callback raises also stops the call, and is raised in its place.
"""

import ctypes
import threading
import types
import typing

from . import _lib

ProgressCallback = typing.Callable[[int, int], typing.Optional[bool]]
# What the `progress` argument of a long call takes: None (no reporting), True (a tqdm bar when
# tqdm is installed, else nothing), or a callback.
ProgressArg = typing.Union[None, bool, ProgressCallback]


class _Bar:
    """A tqdm bar fed with (done, total) calls, closed when the call ends."""

    def __init__(self, description: str, unit: str) -> None:
        import tqdm

        self._bar: typing.Any = tqdm.tqdm(desc=description, unit=unit, unit_scale=True,
                                          dynamic_ncols=True, leave=False)
        self._done = 0

    def __call__(self, done: int, total: int) -> bool:
        if self._bar.total != total:
            self._bar.total = total
        self._bar.update(done - self._done)
        self._done = done
        return True

    def close(self) -> None:
        self._bar.close()


def _tqdm_available() -> bool:
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


class Reporter:
    """The C callback for one call, and what became of it. Use as a context manager around the
    call; `function` and `user` are the last two arguments of the sg_*_progress call."""

    def __init__(self, progress: ProgressArg, description: str, unit: str) -> None:
        self.error: typing.Optional[BaseException] = None
        self._bar: typing.Optional[_Bar] = None
        self._callback: typing.Optional[ProgressCallback] = None
        self._lock = threading.Lock()
        if progress is True:
            if _tqdm_available():
                self._bar = _Bar(description, unit)
                self._callback = self._bar
        elif callable(progress):
            self._callback = progress
        elif progress not in (None, False):
            raise TypeError("progress must be None, True or a callable(done, total), not %s"
                            % type(progress).__name__)
        # Kept on the object: ctypes must not free the thunk while the library may call it.
        self.function = (_lib.PROGRESS_FN(self._report) if self._callback is not None
                         else ctypes.cast(0, _lib.PROGRESS_FN))
        self.user = None

    def _report(self, user: typing.Optional[int], done: int, total: int) -> int:
        callback = self._callback
        if callback is None or self.error is not None:
            return 1
        try:
            with self._lock:  # an assessment's worker threads call one at a time anyway
                return 1 if callback(done, total) is False else 0
        except BaseException as error:  # noqa: B902: re-raised in the caller's thread
            self.error = error
            return 1

    def __enter__(self) -> "Reporter":
        return self

    def __exit__(self, exc_type: typing.Optional[typing.Type[BaseException]],
                 exc: typing.Optional[BaseException],
                 traceback: typing.Optional[types.TracebackType]) -> typing.Literal[False]:
        if self._bar is not None:
            self._bar.close()
        return False

    def raise_callback_error(self) -> None:
        """Raises what the callback raised, if it did (after the call stopped)."""
        if self.error is not None:
            raise self.error
