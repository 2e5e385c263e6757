"""The exceptions the package raises: one class per SG_E_* status code of the C API.

Every exception raised for a failed C call is a SafeguardError carrying the status code, the
library's message, and the place it names (file, line, column, entity id, batch item) as the
library gives them in fields (sg_error_last_detail), never parsed from the text. Each class also derives from the built-in exception a Python programmer would catch
for the same kind of problem (ValueError, LookupError, OSError...).
"""

import typing

# Status codes of safeguard.h (stable; never renumbered or reused).
OK = 0
E_INVALID_ARGUMENT = -1
E_PARSE = -2
E_INVALID_DATA = -3
E_NOT_FOUND = -4
E_DUPLICATE = -5
E_TYPE = -6
E_IO = -7
E_LIMIT = -8
E_NOMEM = -9
E_RANGE = -10
E_VERSION = -11
E_DIVERGENT = -12
E_INTERNAL = -13
E_ENCODING = -14
E_MISUSE = -15
E_CANCELLED = -16

class SafeguardError(Exception):
    """Base class of every error the package raises.

    Attributes: ``status`` (the SG_E_* code, or None for errors found in Python), ``message``
    (the full text), ``reason`` (the text without the place), ``file``, ``line``, ``column``,
    ``entity`` and ``item`` (the failing batch item, from 0), each None when the library did not
    name it.
    """

    status: typing.Optional[int] = None

    def __init__(self, message: str, status: typing.Optional[int] = None, *,
                 reason: typing.Optional[str] = None, file: typing.Optional[str] = None,
                 line: typing.Optional[int] = None, column: typing.Optional[int] = None,
                 entity: typing.Optional[str] = None, item: typing.Optional[int] = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status
        self.message = message
        self.reason = message if reason is None else reason
        self.file = file
        self.line = line
        self.column = column
        self.entity = entity
        self.item = item

    def __str__(self) -> str:
        return self.message


class InvalidArgumentError(SafeguardError, ValueError):
    """SG_E_INVALID_ARGUMENT: a NULL, a bad enum value, a malformed argument."""
    status = E_INVALID_ARGUMENT


class ParseError(SafeguardError, ValueError):
    """SG_E_PARSE: a syntax error in a case file, rule pack or expression; ``file``, ``line``
    and ``column`` say where."""
    status = E_PARSE


class InvalidDataError(SafeguardError, ValueError):
    """SG_E_INVALID_DATA: well-formed but wrong, such as an impossible date."""
    status = E_INVALID_DATA


class NotFoundError(SafeguardError, KeyError):
    """SG_E_NOT_FOUND: an id that names nothing."""
    status = E_NOT_FOUND


class DuplicateError(SafeguardError, ValueError):
    """SG_E_DUPLICATE: an id, key or relation given twice."""
    status = E_DUPLICATE


class TypeMismatchError(SafeguardError, TypeError):
    """SG_E_TYPE: a wrong type in a file, or a type error in a rule expression."""
    status = E_TYPE


class FileError(SafeguardError, OSError):
    """SG_E_IO: a file could not be read or written."""
    status = E_IO


class LimitError(SafeguardError, ValueError):
    """SG_E_LIMIT: a size, depth or count limit was exceeded."""
    status = E_LIMIT


class OutOfMemoryError(SafeguardError, MemoryError):
    """SG_E_NOMEM: the library ran out of memory."""
    status = E_NOMEM


class OutOfRangeError(SafeguardError, IndexError):
    """SG_E_RANGE: an index past the end."""
    status = E_RANGE


class VersionError(SafeguardError):
    """SG_E_VERSION: an unsupported schema or option-struct version."""
    status = E_VERSION


class DivergenceError(SafeguardError, ValueError):
    """SG_E_DIVERGENT: propagation settings that would make the spread diverge."""
    status = E_DIVERGENT


class InternalError(SafeguardError):
    """SG_E_INTERNAL: a bug in safeguard; please report it."""
    status = E_INTERNAL


class EncodingError(SafeguardError, ValueError):
    """SG_E_ENCODING: text that is not valid UTF-8."""
    status = E_ENCODING


class MisuseError(SafeguardError, RuntimeError):
    """SG_E_MISUSE: a graph read while another thread edits it, or edited while another
    thread reads or edits it (see the threading rules in safeguard.h)."""
    status = E_MISUSE


class CancelledError(SafeguardError):
    """SG_E_CANCELLED: a progress callback stopped the call (it returned False); nothing
    changed."""
    status = E_CANCELLED


class ClosedError(SafeguardError, ValueError):
    """An operation on a Graph, Batch, RuleSet or Result that was already closed."""


class GraphvizError(SafeguardError, RuntimeError):
    """Graphviz's `dot` program is not installed or failed: drawing an ecomap as SVG needs it
    (the library itself writes DOT and never starts a process)."""


class LibraryError(SafeguardError, ImportError):
    """The shared library cannot be found or loaded, or its version does not match."""


ERRORS_BY_STATUS: typing.Dict[int, typing.Type[SafeguardError]] = {
    typing.cast(int, cls.status): cls
    for cls in (InvalidArgumentError, ParseError, InvalidDataError, NotFoundError,
                DuplicateError, TypeMismatchError, FileError, LimitError, OutOfMemoryError,
                OutOfRangeError, VersionError, DivergenceError, InternalError, EncodingError,
                MisuseError, CancelledError)
}


def error_for(status: int, message: str, *, reason: typing.Optional[str] = None,
              file: typing.Optional[str] = None, line: typing.Optional[int] = None,
              column: typing.Optional[int] = None, entity: typing.Optional[str] = None,
              item: typing.Optional[int] = None) -> SafeguardError:
    """The exception for a status code, message and place; codes this version lacks give the
    base class."""
    cls = ERRORS_BY_STATUS.get(status, SafeguardError)
    return cls(message, status, reason=reason, file=file, line=line, column=column,
               entity=entity, item=item)
