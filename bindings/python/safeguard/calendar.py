"""Working-day calendars and date arithmetic (sg_calendar, sg_bank_holiday, sg_date_add_months,
sg_age): weekends, each UK nation's bank holidays, and local closures."""

import ctypes
import datetime
import typing

from . import _core, _lib
from .errors import InternalError
from ._core import DateLike, check, date_text, integer, lib, text

NATIONS = ("england-and-wales", "scotland", "northern-ireland", "england", "wales")


def _date_out() -> "ctypes.Array[ctypes.c_char]":
    return _lib._date_buffer()


def _as_date(buffer: "ctypes.Array[ctypes.c_char]") -> datetime.date:
    value = buffer.value
    if not value:
        raise InternalError("the library wrote no date and gave no error")
    return datetime.date.fromisoformat(value.decode("ascii"))


class Calendar(_core.Handle):
    """A working-day calendar for one nation, plus any closure days added to it. Calls on one
    Calendar are serialised, so add_closure() never races a query."""

    _kind = "calendar"

    def __init__(self, nation: str = "england-and-wales", *,
                 _pointer: typing.Optional[int] = None) -> None:
        if _pointer is None:
            encoded = text(nation, "nation")
            out = ctypes.c_void_p()
            check(lib.sg_calendar_new(ctypes.byref(out), encoded))
            _pointer = out.value
        super().__init__(_pointer, lib.sg_calendar_free)

    def __repr__(self) -> str:
        return "<safeguard.Calendar%s>" % (" closed" if self.closed else "")

    def add_closure(self, date: DateLike) -> None:
        """Makes a local closure day (not a working day)."""
        encoded = date_text(date, "date", required=True)
        with self._lock:
            check(lib.sg_calendar_add_closure(self._pointer(), encoded))

    def is_working_day(self, date: DateLike) -> bool:
        out = ctypes.c_int()
        encoded = date_text(date, "date", required=True)
        with self._lock:
            check(lib.sg_calendar_is_working_day(ctypes.byref(out), self._pointer(), encoded))
        return bool(out.value)

    def add_working_days(self, date: DateLike, count: int) -> datetime.date:
        """The count-th working day after `date` (count >= 0; 0 gives `date` itself)."""
        out = _date_out()
        encoded = date_text(date, "date", required=True)
        number = integer(count, "count")
        with self._lock:
            check(lib.sg_calendar_add_working_days(ctypes.byref(out), self._pointer(), encoded,
                                                   number))
        return _as_date(out)

    def working_days_between(self, start: DateLike, end: DateLike) -> int:
        """Working days after `start`, up to and including `end`; negative when `end` is
        before `start`."""
        out = ctypes.c_int()
        first = date_text(start, "start", required=True)
        last = date_text(end, "end", required=True)
        with self._lock:
            check(lib.sg_calendar_working_days_between(ctypes.byref(out), self._pointer(), first,
                                                       last))
        value: int = out.value
        return value


def bank_holidays(nation: str, year: int) -> typing.List[datetime.date]:
    """The bank holidays of a nation in a year (1400-9999), in date order, as datetime.date."""
    encoded = text(nation, "nation")
    number = integer(year, "year")
    count = ctypes.c_size_t()
    check(lib.sg_bank_holiday_count(ctypes.byref(count), encoded, number))
    days = []
    out = _date_out()
    for k in range(count.value):
        check(lib.sg_bank_holiday(ctypes.byref(out), encoded, number, k))
        days.append(_as_date(out))
    return days


def add_months(date: DateLike, months: int) -> datetime.date:
    """Calendar months after `date` (negative for before), clamped to the end of a shorter
    month: 31 January plus one month is 28 or 29 February."""
    out = _date_out()
    check(lib.sg_date_add_months(ctypes.byref(out), date_text(date, "date", required=True),
                                 integer(months, "months")))
    return _as_date(out)


class Age(typing.NamedTuple):
    """Age at a date, as whole years and, separately, whole months in total (10 years
    11 months old is Age(years=10, months=131))."""

    years: int
    months: int


def age(birth: DateLike, at: DateLike) -> Age:
    """The Age at a date; a 29 February birthday falls on 1 March in common years. Negative
    before birth."""
    years = ctypes.c_int()
    months = ctypes.c_int()
    check(lib.sg_age(ctypes.byref(years), ctypes.byref(months),
                     date_text(birth, "birth", required=True), date_text(at, "at", required=True)))
    return Age(years.value, months.value)
