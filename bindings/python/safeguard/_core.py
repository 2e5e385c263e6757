"""Helpers shared by the wrappers: status checks, argument conversion, owned handles."""

import ctypes
import datetime
import operator
import os
import threading
import weakref

from . import _lib
from .errors import ClosedError, EncodingError, InvalidArgumentError, error_for

lib = _lib.lib

_INT_MIN = -(2 ** 31)
_INT_MAX = 2 ** 31 - 1


def check(status, source=None):
    """Raises the exception for a non-zero status, with this thread's library message.

    The message is read straight after the failing call, on the same thread: the library's
    error state is per thread, and ctypes runs each call on the calling thread. `source` is the
    file name the call was given: a message that names only that file ("path: cannot open
    file") gets it as the error's `file`.
    """
    if status != 0:
        message = (lib.sg_error_last() or b"").decode("utf-8", "replace")
        if not message:
            message = lib.sg_status_str(status).decode("utf-8", "replace")
        error = error_for(status, message)
        if source is not None and error.file is None and message.startswith(source + ": "):
            error.file = source
            error.reason = message[len(source) + 2:]
        raise error


def text(value, name):
    """A required string argument as NUL-terminated UTF-8."""
    if not isinstance(value, str):
        raise TypeError("%s must be a str, not %s" % (name, type(value).__name__))
    if "\0" in value:
        raise InvalidArgumentError("%s contains a NUL character" % name)
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise EncodingError("%s cannot be encoded as UTF-8: %s" % (name, error)) from None


def optional_text(value, name):
    return None if value is None else text(value, name)


def path_text(value, name="path"):
    """A file path (str, bytes or os.PathLike) as bytes for the C API."""
    path = os.fsencode(value)
    if b"\0" in path:
        raise InvalidArgumentError("%s contains a NUL character" % name)
    return path


def data_bytes(data, name="data"):
    """Document content given as str (encoded as UTF-8) or bytes-like, unchanged."""
    if isinstance(data, str):
        return _encode_document(data, name)
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError("%s must be str or bytes, not %s" % (name, type(data).__name__))


def _encode_document(data, name):
    try:
        return data.encode("utf-8")
    except UnicodeEncodeError as error:
        raise EncodingError("%s cannot be encoded as UTF-8: %s" % (name, error)) from None


def date_text(value, name, required=False):
    """A date as "YYYY-MM-DD": datetime.date (or datetime.datetime, or a pandas Timestamp,
    which is one), or a string already in that form (the library checks it). None when
    unknown, unless required."""
    if value is None:
        if required:
            raise InvalidArgumentError("%s is required" % name)
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat().encode("ascii")
    if isinstance(value, str):
        return text(value, name)
    raise TypeError("%s must be a datetime.date, not %s" % (name, type(value).__name__))


def integer(value, name):
    """A whole number that fits a C int."""
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError("%s must be a whole number, not %s" % (name, type(value).__name__)) from None
    if not _INT_MIN <= number <= _INT_MAX:
        raise InvalidArgumentError("%s %d is out of range" % (name, number))
    return number


def text_array(values, name):
    """A sequence of strings as (array of char*, count, keep-alive list)."""
    if values is None:
        return None, 0
    if isinstance(values, str):
        values = [values]
    encoded = [text(v, "%s[%d]" % (name, i)) for i, v in enumerate(values)]
    if not encoded:
        return None, 0
    array = (ctypes.c_char_p * len(encoded))(*encoded)
    return ctypes.cast(array, ctypes.POINTER(ctypes.c_char_p)), len(encoded)


def string(value):
    """A C string from the library as str (None for NULL)."""
    return None if value is None else value.decode("utf-8")


class Owned:
    """A pointer the library allocated, freed exactly once: by free(), or when this object is
    garbage collected. Objects that borrow memory from the pointer (numpy arrays over a
    result's scores) keep a reference to this object, so the memory outlives them."""

    __slots__ = ("pointer", "_finalizer", "__weakref__")

    def __init__(self, pointer, free):
        self.pointer = pointer
        self._finalizer = weakref.finalize(self, free, pointer)
        # At interpreter exit the process frees everything anyway; freeing then could race
        # module teardown.
        self._finalizer.atexit = False

    def free(self):
        self.pointer = None
        self._finalizer()


class Handle:
    """Base of the wrapper objects: an Owned pointer, a lock, close() and a context manager.

    The lock serialises calls on one object: the C API allows one editor at a time per graph,
    and close() must never free a handle another thread is using.
    """

    _kind = "object"

    def __init__(self, pointer, free):
        self._owned = Owned(pointer, free)
        self._lock = threading.RLock()

    def _pointer(self):
        owned = self._owned
        if owned is None or owned.pointer is None:
            raise ClosedError("this %s is closed" % self._kind)
        return owned.pointer

    @property
    def closed(self):
        return self._owned is None

    def close(self):
        """Releases the library object. Closing twice is harmless."""
        with self._lock:
            owned, self._owned = self._owned, None
            if owned is not None:
                owned.free()

    def __enter__(self):
        self._pointer()
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False


def new_handle(constructor):
    """Calls an sg_*_new style constructor and returns the pointer it gave."""
    out = ctypes.c_void_p()
    check(constructor(ctypes.byref(out)))
    return out.value


def limits_struct(limits):
    """A safeguard.Limits as the C struct (None: the library defaults)."""
    from .limits import Limits

    if limits is None:
        return None
    if not isinstance(limits, Limits):
        raise TypeError("limits must be a safeguard.Limits, not %s" % type(limits).__name__)
    values = {}
    for name in _lib.LIMIT_FIELDS:
        value = integer_size(getattr(limits, name), name)
        values[name] = value
    return _lib.Limits(version=_lib.Limits.VERSION, **values)


def integer_size(value, name):
    """A whole number >= 0 that fits a size_t."""
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError("%s must be a whole number, not %s" % (name, type(value).__name__)) from None
    if not 0 <= number < 2 ** (8 * ctypes.sizeof(ctypes.c_size_t)):
        raise InvalidArgumentError("%s %d is out of range" % (name, number))
    return number
