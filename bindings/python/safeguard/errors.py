"""The exceptions the package raises: one class per SG_E_* status code of the C API.

Every exception raised for a failed C call is a SafeguardError carrying the status code, the
library's message, and the place it names (file, line, column, entity id) parsed from that
message. Each class also derives from the built-in exception a Python programmer would catch
for the same kind of problem (ValueError, LookupError, OSError...).
"""

import re

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

# The C library's messages read "file:line:column: entity 'id': reason", or
# "line L, column C: ..." for an unnamed source, leaving out the parts that are unknown
# (see include/safeguard/error.hpp).
_FILE_PLACE = re.compile(r"^(?P<file>.+?):(?P<line>[0-9]+)(?::(?P<column>[0-9]+))?: ")
_LINE_PLACE = re.compile(r"^line (?P<line>[0-9]+)(?:, column (?P<column>[0-9]+))?: ")
_ENTITY = re.compile(r"^entity '(?P<entity>.*?)': ")


def _parse_place(message):
    """Splits a library message into (file, line, column, entity, reason)."""
    file = line = column = entity = None
    rest = message
    match = _FILE_PLACE.match(rest) or _LINE_PLACE.match(rest)
    if match:
        groups = match.groupdict()
        file = groups.get("file")
        line = int(groups["line"])
        column = int(groups["column"]) if groups.get("column") else None
        rest = rest[match.end():]
    match = _ENTITY.match(rest)
    if match:
        entity = match.group("entity")
        rest = rest[match.end():]
    return file, line, column, entity, rest


class SafeguardError(Exception):
    """Base class of every error the package raises.

    Attributes: ``status`` (the SG_E_* code, or None for errors found in Python), ``message``
    (the full text), ``reason`` (the text without the place), ``file``, ``line``, ``column``
    and ``entity`` (None when the library did not name them).
    """

    status = None

    def __init__(self, message, status=None):
        super().__init__(message)
        if status is not None:
            self.status = status
        self.message = message
        self.file, self.line, self.column, self.entity, self.reason = _parse_place(message)

    def __str__(self):
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


class ClosedError(SafeguardError, ValueError):
    """An operation on a Graph, Batch, RuleSet or Result that was already closed."""


class LibraryError(SafeguardError, ImportError):
    """The shared library cannot be found or loaded, or its version does not match."""


ERRORS_BY_STATUS = {
    cls.status: cls
    for cls in (InvalidArgumentError, ParseError, InvalidDataError, NotFoundError,
                DuplicateError, TypeMismatchError, FileError, LimitError, OutOfMemoryError,
                OutOfRangeError, VersionError, DivergenceError, InternalError, EncodingError,
                MisuseError)
}


def error_for(status, message):
    """The exception for a status code and message; codes this version lacks give the base."""
    cls = ERRORS_BY_STATUS.get(status)
    if cls is None:
        return SafeguardError(message, status)
    return cls(message)
