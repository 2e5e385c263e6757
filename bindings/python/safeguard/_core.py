"""Helpers shared by the wrappers: status checks, argument conversion, owned handles."""

import ctypes
import datetime
import operator
import os
import threading
import types
import typing
import weakref

from . import _lib
from .errors import ClosedError, EncodingError, InternalError, InvalidArgumentError, error_for

lib = _lib.lib



# What the wrappers accept as a date, a path and document content.
DateLike = typing.Union[datetime.date, str]
PathLike = typing.Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
Data = typing.Union[str, bytes, bytearray, memoryview]
TextList = typing.Union[str, typing.Iterable[str], None]


def _field(value: typing.Optional[bytes]) -> typing.Optional[str]:
    return None if value is None else value.decode("utf-8", "replace")


def check(status: int) -> None:
    """Raises the exception for a non-zero status, with this thread's library message and the
    place the library names, read field by field (sg_error_last_detail).

    Both are read straight after the failing call, on the same thread: the library's error
    state is per thread, and ctypes runs each call on the calling thread.
    """
    if status == 0:
        return
    detail = lib.sg_error_last_detail().contents
    message = _field(detail.message) or lib.sg_status_str(status).decode("utf-8", "replace")
    raise error_for(status, message, reason=_field(detail.reason), file=_field(detail.file),
                    line=detail.line or None, column=detail.column or None,
                    entity=_field(detail.entity),
                    item=detail.item if detail.item >= 0 else None)


def text(value: object, name: str) -> bytes:
    """A required string argument as NUL-terminated UTF-8."""
    if not isinstance(value, str):
        raise TypeError("%s must be a str, not %s" % (name, type(value).__name__))
    if "\0" in value:
        raise InvalidArgumentError("%s contains a NUL character" % name)
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise EncodingError("%s cannot be encoded as UTF-8: %s" % (name, error)) from None


def optional_text(value: typing.Optional[str], name: str) -> typing.Optional[bytes]:
    return None if value is None else text(value, name)


def path_text(value: PathLike, name: str = "path") -> bytes:
    """A file path (str, bytes or os.PathLike) as bytes for the C API."""
    path = os.fsencode(value)
    if b"\0" in path:
        raise InvalidArgumentError("%s contains a NUL character" % name)
    return path


def data_bytes(data: Data, name: str = "data") -> bytes:
    """Document content given as str (encoded as UTF-8) or bytes-like, unchanged."""
    if isinstance(data, str):
        return _encode_document(data, name)
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError("%s must be str or bytes, not %s" % (name, type(data).__name__))


def _encode_document(data: str, name: str) -> bytes:
    try:
        return data.encode("utf-8")
    except UnicodeEncodeError as error:
        raise EncodingError("%s cannot be encoded as UTF-8: %s" % (name, error)) from None


@typing.overload
def date_text(value: typing.Optional[DateLike], name: str,
              required: typing.Literal[True]) -> bytes: ...


@typing.overload
def date_text(value: typing.Optional[DateLike], name: str,
              required: bool = False) -> typing.Optional[bytes]: ...


def date_text(value: typing.Optional[DateLike], name: str, required: bool = False
              ) -> typing.Optional[bytes]:
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


def integer(value: typing.SupportsIndex, name: str) -> int:
    """A whole number that fits a C int."""
    return integer_of(value, name, ctypes.c_int)


def integer_of(value: typing.SupportsIndex, name: str, c_type: typing.Any) -> int:
    """A whole number that fits the C integer type `c_type` (ctypes.c_int, c_uint,
    c_longlong...). Checked here because ctypes keeps only the low bits of a number too large
    for the field or argument it is passed to: 2**64 + 5 would reach the library as 5."""
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError("%s must be a whole number, not %s" % (name, type(value).__name__)) from None
    bits = 8 * ctypes.sizeof(c_type)
    signed = c_type(-1).value < 0
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2 ** bits - 1)
    if not low <= number <= high:
        # The bounds, never the number: a caller's number may run to thousands of digits.
        raise InvalidArgumentError("%s is out of range (%d to %d)" % (name, low, high))
    return number


def text_array(values: TextList, name: str
               ) -> typing.Tuple[typing.Optional["ctypes._Pointer[ctypes.c_char_p]"], int]:
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


@typing.overload
def string(value: bytes) -> str: ...


@typing.overload
def string(value: None) -> None: ...


@typing.overload
def string(value: typing.Optional[bytes]) -> typing.Optional[str]: ...


def string(value: typing.Optional[bytes]) -> typing.Optional[str]:
    """A C string from the library as str (None for NULL)."""
    return None if value is None else value.decode("utf-8")


def take_text(buffer: ctypes.c_void_p, size: ctypes.c_size_t) -> str:
    """The text of a buffer the library returned, which this frees."""
    try:
        if not buffer.value:
            raise InternalError("the library returned no buffer and no error")
        return ctypes.string_at(buffer.value, size.value).decode("utf-8")
    finally:
        lib.sg_buffer_free(buffer)


_H = typing.TypeVar("_H", bound="Handle")


class Owned:
    """A pointer the library allocated, freed exactly once: by free(), or when this object is
    garbage collected. Objects that borrow memory from the pointer (numpy arrays over a
    result's scores) keep a reference to this object, so the memory outlives them."""

    __slots__ = ("pointer", "_finalizer", "__weakref__")

    def __init__(self, pointer: typing.Optional[int],
                 free: typing.Callable[[typing.Optional[int]], None]) -> None:
        self.pointer = pointer
        self._finalizer = weakref.finalize(self, free, pointer)
        # At interpreter exit the process frees everything anyway; freeing then could race
        # module teardown.
        self._finalizer.atexit = False

    def free(self) -> None:
        self.pointer = None
        self._finalizer()


class Handle:
    """Base of the wrapper objects: an Owned pointer, a lock, close() and a context manager.

    The lock serialises calls on one object: the C API allows one editor at a time per graph,
    and close() must never free a handle another thread is using.
    """

    _kind = "object"

    def __init__(self, pointer: typing.Optional[int],
                 free: typing.Callable[[typing.Optional[int]], None]) -> None:
        self._owned: typing.Optional[Owned] = Owned(pointer, free)
        self._lock = threading.RLock()

    def _pointer(self) -> int:
        owned = self._owned
        if owned is None or owned.pointer is None:
            raise ClosedError("this %s is closed" % self._kind)
        return owned.pointer

    @property
    def closed(self) -> bool:
        return self._owned is None

    def close(self) -> None:
        """Releases the library object. Closing twice is harmless."""
        with self._lock:
            owned, self._owned = self._owned, None
            if owned is not None:
                owned.free()

    def __enter__(self: _H) -> _H:
        self._pointer()
        return self

    def __exit__(self, exc_type: typing.Optional[typing.Type[BaseException]],
                 exc: typing.Optional[BaseException],
                 traceback: typing.Optional[types.TracebackType]) -> typing.Literal[False]:
        self.close()
        return False


_T = typing.TypeVar("_T")


class Kept(typing.Generic[_T]):
    """An attribute of a Handle that the wrapper keeps in Python (a pack's id, read once at
    load), answered like every call on the handle: only while it is open, ClosedError after
    close(), so a closed object never half-works."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = "_kept_" + name

    @typing.overload
    def __get__(self, handle: None, owner: typing.Optional[type] = None) -> "Kept[_T]":
        ...

    @typing.overload
    def __get__(self, handle: Handle, owner: typing.Optional[type] = None) -> _T:
        ...

    def __get__(self, handle: typing.Optional[Handle],
                owner: typing.Optional[type] = None) -> typing.Union["Kept[_T]", _T]:
        if handle is None:
            return self
        handle._pointer()
        return typing.cast(_T, handle.__dict__[self._slot])

    def __set__(self, handle: Handle, value: _T) -> None:
        handle.__dict__[self._slot] = value

    def peek(self, handle: Handle) -> _T:
        """The value whether or not the handle is open (for repr)."""
        return typing.cast(_T, handle.__dict__[self._slot])


def new_handle(constructor: typing.Callable[[typing.Any], int]) -> typing.Optional[int]:
    """Calls an sg_*_new style constructor and returns the pointer it gave."""
    out = ctypes.c_void_p()
    check(constructor(ctypes.byref(out)))
    return out.value


def limits_struct(limits: object) -> typing.Optional[_lib.Limits]:
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


def integer_size(value: typing.SupportsIndex, name: str) -> int:
    """A whole number >= 0 that fits a size_t."""
    return integer_of(value, name, ctypes.c_size_t)
