"""The emulator's state: every rented number, who owns it, and the list order.

All access goes through NumberStore, whose methods are short, synchronous and
hold one lock, so the state stays consistent whether requests arrive on one event
loop or on several threads (an app served by uvicorn and called in-process at the
same time). Numbers live in a dict; each main account keeps its numbers in a
sorted list, which is the stable list order. Filtered orders are cached per
(caller, filter) and the cache is dropped on every write, so paging through one
filter costs one O(n) scan. A filter that is one equality (``type=tollfree``) is
answered from an index of that property instead, built in one pass for every value at
once and dropped on every write: a crawler's per-type totals cost one scan, not one
per type (five 50 ms scans at 100,000 numbers held every other request up for 0.25 s).
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from .accounts import Principal
from .inventory import OwnedNumber

Fields = dict[str, Any]


class NumberFilter(Protocol):
    """A compiled list filter: a hashable key for caching and a predicate."""

    @property
    def key(self) -> tuple[Any, ...]: ...

    @property
    def empty(self) -> bool: ...

    # Optional: ``equality``, (property, value) when the filter is one equality; filters
    # without it (the defect and variant wrappers) are scanned.

    def matches(self, fields: Mapping[str, Any]) -> bool: ...


class _Entry:
    __slots__ = ("fields", "owner")

    def __init__(self, owner: str, fields: Fields) -> None:
        self.owner = owner
        self.fields = fields


class NumberStore:
    """Thread-safe store of numbers, answering as a given Principal sees them."""

    CACHE_SIZE = 128
    EAGER_INDEXES = ("number_type",)
    """Indexed as the store is built: every crawler that checks its count lists by type, and
    the first such request would otherwise hold every other one up for the scan (57 ms at
    100,000 numbers, in the middle of a rate-limited crawl's opening burst)."""

    def __init__(self, numbers: Iterable[OwnedNumber] = ()) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        # Per main account, numbers in list order and, in parallel, their objects: scans run
        # over plain lists of dicts, the fastest thing Python iterates.
        self._order: dict[str, list[str]] = {}
        self._rows: dict[str, list[Fields]] = {}
        self._cache: OrderedDict[tuple[Any, ...], list[Fields]] = OrderedDict()
        # Per (main account, property): the account's rows grouped by that property's value.
        self._indexes: dict[tuple[str, str], dict[Any, list[Fields]]] = {}
        self.version = 0
        for owned in numbers:
            # Values are JSON scalars, so a shallow copy keeps the caller's objects untouched.
            self._entries[owned.fields["number"]] = _Entry(owned.owner, dict(owned.fields))
            self._order.setdefault(owned.owner, []).append(owned.fields["number"])
        for owner, order in self._order.items():
            order.sort()
            self._rows[owner] = [self._entries[number].fields for number in order]
            for prop in self.EAGER_INDEXES:
                self._equal(owner, self._rows[owner], prop, None)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        counts = {owner: len(order) for owner, order in self._order.items()}
        return f"<NumberStore numbers={len(self)} by_account={counts} version={self.version}>"

    @staticmethod
    def _visible(entry: _Entry, principal: Principal) -> bool:
        if entry.owner != principal.main_auth_id:
            return False
        return not principal.is_subaccount or entry.fields.get("sub_account") == principal.auth_id

    def _find(self, principal: Principal, number: str) -> _Entry | None:
        entry = self._entries.get(number)
        return entry if entry is not None and self._visible(entry, principal) else None

    def get(self, principal: Principal, number: str) -> Fields | None:
        """A copy of the number's object, or None if the caller cannot see such a number."""
        with self._lock:
            entry = self._find(principal, number)
            return dict(entry.fields) if entry else None

    def page(
        self, principal: Principal, number_filter: NumberFilter, offset: int, limit: int
    ) -> tuple[int, list[Fields]]:
        """``(total_count, objects)`` of one page of the caller's numbers matching the filter."""
        with self._lock:
            matching = self._matching(principal, number_filter)
            return len(matching), [dict(fields) for fields in matching[offset : offset + limit]]

    def _matching(self, principal: Principal, number_filter: NumberFilter) -> list[Fields]:
        key = (principal.auth_id, principal.main_auth_id, number_filter.key)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        rows = self._rows.get(principal.main_auth_id, [])
        matches = number_filter.matches
        if principal.is_subaccount:
            sub = principal.auth_id
            result = [fields for fields in rows if fields.get("sub_account") == sub and matches(fields)]
        elif number_filter.empty:
            # The rows list is the answer; unrent replaces it rather than mutating it.
            result = rows
        elif (equality := getattr(number_filter, "equality", None)) is not None:
            result = self._equal(principal.main_auth_id, rows, *equality)
        else:
            result = [fields for fields in rows if matches(fields)]
        self._cache[key] = result
        if len(self._cache) > self.CACHE_SIZE:
            self._cache.popitem(last=False)
        return result

    def _equal(self, owner: str, rows: list[Fields], prop: str, wanted: Any) -> list[Fields]:
        """The rows whose ``prop`` equals ``wanted``, in list order, from the property's index."""
        index = self._indexes.get((owner, prop))
        if index is None:
            index = {}
            try:
                for fields in rows:
                    index.setdefault(fields.get(prop), []).append(fields)
            except TypeError:
                # A value that cannot be a key (a list in a hand-written --inventory): scan.
                return [fields for fields in rows if fields.get(prop) == wanted]
            self._indexes[(owner, prop)] = index
        try:
            return index.get(wanted, [])
        except TypeError:
            return [fields for fields in rows if fields.get(prop) == wanted]

    def modify(
        self, principal: Principal, number: str, change: Callable[[Mapping[str, Any]], Mapping[str, Any]]
    ) -> Fields | None:
        """Apply ``change`` atomically: it sees the current object and returns the fields to set.

        ``change`` may raise to refuse the update; nothing is written then. Returns the
        new object, or None if the caller cannot see such a number.
        """
        with self._lock:
            entry = self._find(principal, number)
            if entry is None:
                return None
            updates = change(dict(entry.fields))
            if updates:
                entry.fields.update(updates)
                self._written()
            return dict(entry.fields)

    def unrent(self, principal: Principal, number: str) -> bool:
        """Remove the number; False if the caller cannot see such a number."""
        with self._lock:
            entry = self._find(principal, number)
            if entry is None:
                return False
            del self._entries[number]
            order = self._order[entry.owner]
            index = bisect.bisect_left(order, number)
            # New lists, so a cached or in-use old one is never changed under its reader.
            self._order[entry.owner] = order[:index] + order[index + 1 :]
            rows = self._rows[entry.owner]
            self._rows[entry.owner] = rows[:index] + rows[index + 1 :]
            self._written()
            return True

    def numbers(self, owner: str) -> list[str]:
        """Every number of main account ``owner``, in list order."""
        with self._lock:
            return list(self._order.get(owner, ()))

    def snapshot(self, owner: str) -> list[Fields]:
        """Copies of every object of main account ``owner``, in list order."""
        with self._lock:
            return [dict(fields) for fields in self._rows.get(owner, ())]

    def _written(self) -> None:
        self.version += 1
        self._cache.clear()
        self._indexes.clear()
