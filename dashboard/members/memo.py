"""What the members' page made for a published list, kept beside that list's own object: a dictionary look-up per rerun.

``st.cache_resource`` inspects the function's signature and hashes every argument
at each call, a few hundred microseconds that every member's rerun paid several
times over (issue 22). What the members' page shares between sessions depends on
one published list's object (its search index or table) and a few small hashable
values, so it is kept per object, by its identity: a new publication (or a test
clearing Streamlit's caches) brings a new object, which starts empty, and an
object no longer used takes its entries with it (they are not kept alive here).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class PerObject(Generic[Value]):
    """Up to ``max_entries`` values per owner object, the least recently used dropped first.

    >>> made = PerObject[str](max_entries=2)
    >>> class Owner: ...
    >>> owner = Owner()
    >>> made.get(owner, "a", lambda: "A"), made.get(owner, "a", lambda: "other")
    ('A', 'A')
    """

    def __init__(self, *, max_entries: int) -> None:
        self.max_entries = max_entries
        self._lock = threading.RLock()  # a collected owner's callback may run inside a locked section
        # By the owner's id, with a weak reference that tells a reused id from its owner.
        self._tables: dict[int, tuple[weakref.ref[object], OrderedDict[Hashable, Value]]] = {}

    def get(
        self, owner: object, key: Hashable, make: Callable[[], Value], *, keep: Callable[[Value], bool] | None = None
    ) -> Value:
        """The value for ``key`` beside ``owner``, made by ``make()`` the first time (outside the lock).

        With ``keep``, a made value for which ``keep(value)`` is false is returned and not kept: the next
        call makes it again.
        """
        table = self._table(owner)
        with self._lock:
            if key in table:
                table.move_to_end(key)
                return table[key]
        value = make()  # two sessions may make the same value at once: the same result, kept once
        if keep is not None and not keep(value):
            return value
        with self._lock:
            table[key] = value
            table.move_to_end(key)
            while len(table) > self.max_entries:
                table.popitem(last=False)
        return value

    def __len__(self) -> int:
        with self._lock:
            return sum(len(table) for _, table in self._tables.values())

    def _table(self, owner: object) -> OrderedDict[Hashable, Value]:
        identity = id(owner)
        with self._lock:
            held = self._tables.get(identity)
            if held is not None and held[0]() is owner:
                return held[1]
            table: OrderedDict[Hashable, Value] = OrderedDict()
            reference = weakref.ref(owner, lambda _, identity=identity: self._forget(identity))  # type: ignore[misc]
            self._tables[identity] = (reference, table)
            return table

    def _forget(self, identity: int) -> None:
        with self._lock:
            held = self._tables.get(identity)
            if held is not None and held[0]() is None:
                del self._tables[identity]
