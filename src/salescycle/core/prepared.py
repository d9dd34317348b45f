"""Querysets compiled once per database connection and then run with new values (issue #13 item 9).

Django builds and compiles a queryset's SQL on every evaluation; for the short, index-served reads of the write path
(lock the opportunity, its active entry, the cycle and its stages, the activity's steps, the number series, the
user's WorkDate) that compiling was about half the CPU of a Next or Close request. A :class:`Prepared` read is
defined once with the ORM as usual, with placeholders where the values go; it is compiled the first time it runs on
a connection, and later runs put the values into the stored parameters and let the same compiler execute and convert
the rows (model instances, ``values_list`` tuples or flat values, exactly as the queryset gives them).

Only plain parameters can be replaced: a placeholder must reach the SQL as one parameter unchanged (``str`` or
``int`` columns compared with ``=``), which is checked when the query is compiled; anything else (an ``IN`` list
whose length varies, a date that the backend adapts) is not prepared.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

T = TypeVar("T")

# Two sets of placeholders: the query is compiled with each, and the parameters that differ are the values' slots
# (each must be its placeholder, unchanged). The numbers are small enough for any integer column's range check.
_STR_PLACEHOLDERS = ("\x00prepared-a{}\x00", "\x00prepared-b{}\x00")
_INT_PLACEHOLDERS = (30_001, 31_001)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _placeholder(kind: type, index: int, variant: int) -> Any:
    if kind is str:
        return _STR_PLACEHOLDERS[variant].format(index)
    if kind is int:
        return _INT_PLACEHOLDERS[variant] + index
    raise TypeError(f"a prepared query takes str or int values, not {kind.__name__}")


class _Compiled:
    """One connection's compiled form of a :class:`Prepared` read: the compiler (bound to that connection), the SQL,
    the parameters with the values' positions, and a queryset whose iterable class reads through the compiler."""

    def __init__(self, build: Callable[..., QuerySet[Any]], kinds: Sequence[type], alias: str) -> None:
        first = [_placeholder(kind, index, 0) for index, kind in enumerate(kinds)]
        second = [_placeholder(kind, index, 1) for index, kind in enumerate(kinds)]
        queryset = build(*first).using(alias)
        query = queryset.query
        self.compiler = query.get_compiler(using=alias)
        self.sql, params = self.compiler.as_sql()
        other_sql, other_params = build(*second).using(alias).query.get_compiler(using=alias).as_sql()
        if other_sql != self.sql or len(other_params) != len(params):
            raise ValueError(f"the SQL of a prepared query depends on its values: {self.sql}")
        self.params = list(params)
        self.slots: list[tuple[int, int]] = []
        for at, (value, other) in enumerate(zip(params, other_params, strict=True)):
            if value == other:
                continue
            if value not in first or first.index(value) != second.index(other):
                raise ValueError(f"a value of a prepared query does not reach the SQL unchanged: {self.sql}")
            self.slots.append((at, first.index(value)))
        missing = set(range(len(kinds))) - {index for _at, index in self.slots}
        if missing:
            raise ValueError(f"values {sorted(missing)} of a prepared query do not reach its SQL: {self.sql}")
        self.select_for_update = query.select_for_update
        self.current: tuple[Any, ...] = tuple(self.params)
        self.compiler.as_sql = self._as_sql
        query.get_compiler = self._get_compiler  # type: ignore[method-assign]
        self.queryset = queryset

    def _as_sql(self, *args: Any, **kwargs: Any) -> tuple[str, tuple[Any, ...]]:
        return self.sql, self.current

    def _get_compiler(self, *args: Any, **kwargs: Any) -> Any:
        return self.compiler

    def run(self, values: Sequence[Any]) -> list[Any]:
        params = list(self.params)
        for at, index in self.slots:
            params[at] = values[index]
        self.current = tuple(params)
        connection = self.compiler.connection
        if self.select_for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        rows: Iterable[Any] = self.queryset._iterable_class(self.queryset)  # type: ignore[assignment]
        return list(rows)


class Prepared(Generic[T]):
    """A read defined once and compiled once per connection.

    ``build(*placeholders)`` returns the queryset with the placeholders in place of the values (one per entry of
    ``kinds``, each ``str`` or ``int``); ``prepared(*values)`` returns the rows as the queryset would (a list).
    ``prepared.first(*values)`` is the first row or None (build the queryset with ``[:1]`` and an ordering for that).
    Errors: ``ValueError`` when a placeholder does not reach the SQL as one parameter (a programming error, raised
    the first time the read runs), ``TypeError`` for a value of the wrong kind. The results equal the unprepared
    queryset's (``core/tests/test_prepared.py``)."""

    def __init__(self, build: Callable[..., QuerySet[Any]], *kinds: type) -> None:
        self.build = build
        self.kinds = kinds
        self._compiled: weakref.WeakKeyDictionary[Any, _Compiled] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __call__(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> list[T]:
        if len(values) != len(self.kinds):
            raise TypeError(f"expected {len(self.kinds)} values, got {len(values)}")
        for value, kind in zip(values, self.kinds, strict=True):
            if type(value) is not kind:
                raise TypeError(f"a prepared query value must be {kind.__name__}, not {type(value).__name__}")
        pairs = zip(values, self.kinds, strict=True)
        if any(kind is int and not _INT64_MIN <= value <= _INT64_MAX for value, kind in pairs):
            return []  # no column holds it (the ORM's EmptyResultSet); SQLite would overflow on the parameter
        connection = connections[using]
        compiled = self._compiled.get(connection)
        if compiled is None:
            with self._lock:
                compiled = _Compiled(self.build, self.kinds, using)
                self._compiled[connection] = compiled
        return compiled.run(values)

    def first(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> T | None:
        """The first row of :meth:`__call__`, or None."""
        rows = self(*values, using=using)
        return rows[0] if rows else None

    def unprepared(self, *values: Any) -> QuerySet[Any]:
        """The same queryset built with ``values``, to evaluate the ordinary way (tests hold the two equal)."""
        return self.build(*values)


def first_of(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """``queryset`` cut to the row that ``queryset.first()`` returns (its ordering, else the primary key), for a
    :class:`Prepared` read whose :meth:`Prepared.first` must equal ``first()``."""
    return (queryset if queryset.ordered else queryset.order_by("pk"))[:1]
