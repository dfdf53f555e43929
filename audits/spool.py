"""Numbers and findings kept on disk, not in memory: what lets one audit hold a million numbers in 300 MB.

A million number records cost about 450 MB as Python objects (the record, its strings,
the dict that finds it, the sets that count each listing's distinct numbers), so the
crawler writes each page into a :class:`RecordStore` (SQLite in a temporary file, one
row per number, insertion order kept like a dict's) and the rules read them back in
batches. :class:`ListedNumbers` counts a listing's distinct numbers in the same file.

A million numbers can have a million findings. As Python objects (a Finding, its
message, its details and later its report dict) they cost about 1 KB each, so the
audit keeps them in a :class:`FindingStore`: an SQLite database in a temporary file,
written in batches as the rules judge each number and read back in batches wherever
they are needed (the summary, the history, the reports). SQLite sorts them into report
order on disk (``ORDER BY`` spills to temporary files), and the history database
attaches the store to match them against the open findings in SQL
(``audits.history.History.record``).

Nothing enters the store uncleaned: the audit passes every batch through its Output
(``audits.output``) before it is appended, so every stream written from the store has
passed the choke point. The file is removed when the store is closed or collected.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import marshal
import os
import shutil
import sqlite3
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, overload

from audits.model import Finding, NumberRecord, Severity

__all__ = [
    "BATCH",
    "FindingRows",
    "FindingStore",
    "FindingView",
    "ListedNumbers",
    "RecordStore",
    "finding_row",
    "scratch_directory",
]

BATCH = 2_000
"""Findings written or read per SQLite round trip."""

_SCHEMA = """
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    severity INTEGER NOT NULL,
    rule TEXT NOT NULL,
    number TEXT NOT NULL,
    key TEXT NOT NULL,
    subaccount TEXT NOT NULL,
    waived INTEGER NOT NULL,
    new INTEGER NOT NULL,
    first_seen TEXT,
    age_days INTEGER NOT NULL,
    data TEXT NOT NULL
);
"""
_FIELDS = "severity, rule, number, key, subaccount, waived, new, first_seen, age_days, data"


_SCRATCH_PREFIX = "plivo-audit-"
_process_dir: str | None = None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def scratch_directory() -> str:
    """This process's directory for the stores' files, under the system's temporary directory.

    Named after the process id: a store's file is removed when it is closed, collected or
    the interpreter exits, but a process that is killed (a CI job's timeout) cleans up
    nothing, so each new process first removes the directories of processes that are gone.
    """
    global _process_dir
    if _process_dir is None or not os.path.isdir(_process_dir):
        root = Path(tempfile.gettempdir())
        for stale in root.glob(f"{_SCRATCH_PREFIX}*-*"):
            pid = stale.name[len(_SCRATCH_PREFIX) :].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                shutil.rmtree(stale, ignore_errors=True)
        _process_dir = tempfile.mkdtemp(prefix=f"{_SCRATCH_PREFIX}{os.getpid()}-")
        atexit.register(shutil.rmtree, _process_dir, True)
    return _process_dir


_encode_data = json.JSONEncoder(ensure_ascii=True, default=str).encode
"""``json.dumps(value, ensure_ascii=True, default=str)`` without an encoder built per finding."""


def _storable(text: str | None) -> str | None:
    """``text`` as SQLite can hold it: a lone surrogate (a hostile server's JSON can carry
    one) cannot be encoded as UTF-8, so it is kept as its ``\\udxxx`` escape. The reports
    replace such characters anyway (audits/output.py); the store must only not crash."""
    if text is None:
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _scratch(prefix: str, schema: str, directory: str | Path | None = None) -> tuple[str, sqlite3.Connection]:
    """A new SQLite file for scratch data: no journal, no fsync (nothing to recover after a crash)."""
    handle, path = tempfile.mkstemp(prefix=prefix, suffix=".sqlite", dir=directory or scratch_directory())
    os.close(handle)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -8000")  # 8 MB of pages; sorts spill to disk beyond it
    db.execute("PRAGMA temp_store = FILE")
    db.executescript(schema)
    return path, db


def _remove(connection: sqlite3.Connection, path: str) -> None:
    # A finalizer may run on whichever thread collects the store (a server thread in the
    # tests), where sqlite3 refuses to touch it: the file is unlinked all the same, and the
    # connection's descriptor goes with the object.
    with contextlib.suppress(sqlite3.ProgrammingError):
        connection.close()
    for suffix in ("", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path + suffix)


def finding_row(f: Finding) -> dict[str, Any]:
    """A finding as audit.json lists it."""
    return {
        "number": f.number,
        "rule": f.rule,
        "severity": f.severity.label,
        "subaccount": f.subaccount,
        "first_seen": f.first_seen,
        "age_days": f.age_days,
        "new": f.new,
        "number_type": f.number_type,
        "country": f.country,
        "message": f.message,
        "waived": f.waived,
        "waiver": f.waiver,
        # The identity history keeps (number, rule, key): a merge needs it back.
        **({"key": f.key} if f.key else {}),
        **({"details": f.details} if f.details else {}),
    }


class FindingStore:
    """An append-only, re-iterable collection of findings in a temporary SQLite file.

    Iterating yields fresh :class:`Finding` objects in the order they were appended;
    changing one does not change the store (``History.record`` updates it in SQL).
    """

    def __init__(self, directory: str | Path | None = None) -> None:
        self.path, self._db = _scratch("audit-findings-", _SCHEMA, directory)
        self._count = 0
        self._finalizer = weakref.finalize(self, _remove, self._db, self.path)

    @property
    def connection(self) -> sqlite3.Connection:
        return self._db

    def extend(self, findings: Iterable[Finding]) -> None:
        rows = [
            (
                int(f.severity),
                _storable(f.rule),
                _storable(f.number),
                _storable(f.key),
                _storable(f.subaccount),
                int(f.waived),
                int(f.new),
                _storable(f.first_seen),
                f.age_days,
                # ASCII escapes keep lone surrogates round-trippable through SQLite.
                _encode_data([f.message, f.number_type, f.country, f.waiver, f.details]),
            )
            for f in findings
        ]
        if rows:
            with self._db:
                self._db.executemany(
                    f"INSERT INTO findings ({_FIELDS}) VALUES (?,?,?,?,?,?,?,?,?,?)",  # noqa: S608 (constants)
                    rows,
                )
            self._count += len(rows)

    def append(self, finding: Finding) -> None:
        self.extend([finding])

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __iter__(self) -> Iterator[Finding]:
        return self.select()

    def select(self, where: str = "", params: tuple[Any, ...] = (), order: str = "id") -> Iterator[Finding]:
        """Findings matching the SQL ``where`` (over the table's columns), in ``order``, batch by batch."""
        cursor = self._db.execute(
            # where/order are the audit's own SQL (never a server's text); values go in params.
            f"SELECT {_FIELDS} FROM findings {'WHERE ' + where if where else ''} ORDER BY {order}",  # noqa: S608
            params,
        )
        while batch := cursor.fetchmany(BATCH):
            for row in batch:
                yield _finding(row)

    def report_order(self) -> Iterator[Finding]:
        """Most severe first, then by rule, number and key: the order every report lists them in.

        Each report reads the findings in this order (audit.json, audit.csv, the verdicts, the
        page): the index sorts them once, and each pass walks it instead of sorting again.
        """
        self._report_index()
        return self.select(order="severity DESC, rule, number, key")

    def _report_index(self) -> None:
        with self._db:
            self._db.execute(
                "CREATE INDEX IF NOT EXISTS findings_report ON findings (severity DESC, rule, number, key)"
            )

    def report_rows(self) -> Iterator[dict[str, Any]]:
        """:meth:`report_order` as audit.json's finding dicts (equal to ``finding_row`` of each)."""
        self._report_index()
        cursor = self._db.execute(
            f"SELECT {_FIELDS} FROM findings ORDER BY severity DESC, rule, number, key"  # noqa: S608
        )
        labels = {int(s): s.label for s in Severity}
        while batch := cursor.fetchmany(BATCH):
            for severity, rule, number, key, subaccount, _w, new, first_seen, age_days, data in batch:
                message, number_type, country, waiver, details = json.loads(data)
                row = {
                    "number": number,
                    "rule": rule,
                    "severity": labels[severity],
                    "subaccount": subaccount,
                    "first_seen": first_seen,
                    "age_days": age_days,
                    "new": bool(new),
                    "number_type": number_type,
                    "country": country,
                    "message": message,
                    "waived": waiver is not None,
                    "waiver": waiver,
                }
                if key:
                    row["key"] = key
                if details:
                    row["details"] = details
                yield row

    def tally(self) -> list[tuple[str, str, int, bool, bool, int]]:
        """``(rule, subaccount, severity, waived, new, count)`` of every group of findings, in one
        scan, most severe first: every count a report gives, without reading a finding."""
        return [
            (rule, subaccount, severity, bool(waived), bool(new), count)
            for rule, subaccount, severity, waived, new, count in self._db.execute(
                "SELECT rule, subaccount, severity, waived, new, COUNT(*) FROM findings "
                "GROUP BY rule, subaccount, severity, waived, new ORDER BY severity DESC, rule, subaccount"
            )
        ]

    def count(self, where: str = "", params: tuple[Any, ...] = ()) -> int:
        row = self._db.execute(
            f"SELECT COUNT(*) FROM findings {'WHERE ' + where if where else ''}",  # noqa: S608
            params,
        ).fetchone()
        return int(row[0])

    def close(self) -> None:
        self._finalizer()

    def __repr__(self) -> str:
        return f"<FindingStore {self._count} findings in {self.path}>"


def _finding(row: tuple[Any, ...]) -> Finding:
    severity, rule, number, key, subaccount, _waived, new, first_seen, age_days, data = row
    message, number_type, country, waiver, details = json.loads(data)
    return Finding(
        number=number,
        rule=rule,
        severity=Severity(severity),
        subaccount=subaccount,
        message=message,
        number_type=number_type,
        country=country,
        key=key,
        first_seen=first_seen,
        age_days=age_days,
        new=bool(new),
        waiver=waiver,
        details=details,
    )


class FindingView:
    """The findings of a store that match an SQL ``where``: iterable again and again, sized, and
    equal to a list holding the same findings (what ``HistoryDelta.new`` was)."""

    def __init__(self, store: FindingStore, where: str = "", params: tuple[Any, ...] = ()) -> None:
        self.store, self.where, self.params = store, where, params

    def __iter__(self) -> Iterator[Finding]:
        return self.store.select(self.where, self.params)

    def __len__(self) -> int:
        return self.store.count(self.where, self.params)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FindingView | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<FindingView {self.where or 'all'}>"


class FindingRows:
    """audit.json's ``findings`` list, streamed from a store: iterable (again and again) and sized.

    The report writers iterate it like the list it stands for; each pass reads the store
    in report order, so no pass holds more than a batch of findings.
    """

    def __init__(self, store: FindingStore) -> None:
        self.store = store

    def __iter__(self) -> Iterator[dict[str, Any]]:
        # Straight from the rows to the dicts (what finding_row makes of a Finding): each
        # report reads every finding once, and a million Finding objects cost seconds.
        return self.store.report_rows()

    def __len__(self) -> int:
        return len(self.store)

    def __bool__(self) -> bool:
        return bool(self.store)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        """One row (``rows[0]``) or a forward slice (``rows[:200]``): only that many are read."""
        if isinstance(index, int) and index >= 0:
            one = self[index : index + 1]
            if not one:
                raise IndexError(index)
            return one[0]
        if not isinstance(index, slice) or index.step not in (None, 1) or (index.start or 0) < 0:
            raise TypeError("FindingRows takes only forward slices")
        start, stop = index.start or 0, index.stop
        out: list[dict[str, Any]] = []
        for position, row in enumerate(self):
            if stop is not None and position >= stop:
                break
            if position >= start:
                out.append(row)
        return out

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FindingRows | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<FindingRows {len(self)}>"


_RECORD_FIELDS = tuple(NumberRecord.__dataclass_fields__)
_RECORD_SCHEMA = """
CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    type TEXT,
    unreadable INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE listed (listing INTEGER NOT NULL, number TEXT NOT NULL, PRIMARY KEY (listing, number))
    WITHOUT ROWID;
CREATE INDEX records_unreadable ON records (unreadable) WHERE unreadable = 1;
-- The per-type cross-check counts each type once the list is read: five full scans of the
-- table (60 ms at 100,000 numbers) on the crawl's clock without it.
CREATE INDEX records_type ON records (type);
"""


def _record(data: bytes) -> NumberRecord:
    # Only this process's own scratch file (0600, in a 0700 directory) is ever read here.
    return NumberRecord(*marshal.loads(data))  # noqa: S302


def _record_data(record: NumberRecord) -> bytes:
    """A record's fields as stored: marshal, not JSON. Every field is a str, bool, None or a tuple
    of str, which marshal keeps exactly (a lone surrogate too), and it writes and reads them
    several times faster: a million records are written once and read back twice."""
    values = [getattr(record, name) for name in _RECORD_FIELDS]
    values[-1] = tuple(values[-1])  # problems
    return marshal.dumps(tuple(values))


class RecordStore:
    """The inventory's records by number, in a temporary SQLite file; reads like a read-only dict.

    ``put`` keeps a dict's semantics: a number read again replaces its record in place.
    Iteration (keys, ``values()``, ``items()``) is in first-read order, batch by batch.
    """

    def __init__(self, records: Iterable[NumberRecord] = (), directory: str | Path | None = None) -> None:
        self.path, self._db = _scratch("audit-records-", _RECORD_SCHEMA, directory)
        self._finalizer = weakref.finalize(self, _remove, self._db, self.path)
        self._listings = 0
        self._uncommitted = 0
        self.put(records)

    def _write(self, sql: str, rows: list[tuple[Any, ...]]) -> int:
        """Run ``sql`` for every row in the open transaction; how many rows it changed.

        Committed every ``BATCH`` rows, not per page: a crawl writes a page of 20 numbers at
        a time (and the listing's set of them), and a commit per page wrote every page it had
        dirtied back to the file: 100,000 commits at a million numbers, 3.7 of the store's
        17.9 CPU seconds (0.7 of 1.7 at 100,000; benchmarks/scale.py's docstring).
        Nothing reads this file but its own connection, which sees its uncommitted rows, and
        a scratch file has nothing to recover after a crash; SQLite's cache (``cache_size``)
        still bounds what an open transaction holds in memory (it spills to the file).
        """
        before = self._db.total_changes
        self._db.executemany(sql, rows)
        self._uncommitted += len(rows)
        if self._uncommitted >= BATCH:
            self._db.commit()
            self._uncommitted = 0
        return self._db.total_changes - before

    def put(self, records: Iterable[NumberRecord]) -> None:
        rows = [
            (
                _storable(r.number),
                _storable((r.number_type or "").lower()),
                int(bool(r.problems)),
                _record_data(r),
            )
            for r in records
        ]
        if rows:
            self._write(
                "INSERT INTO records (number, type, unreadable, data) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (number) DO UPDATE SET type = excluded.type, "
                "unreadable = excluded.unreadable, data = excluded.data",
                rows,
            )

    def listing(self) -> ListedNumbers:
        """A new, empty set of the numbers one listing showed, kept in this file."""
        self._listings += 1
        return ListedNumbers(self._db, self._listings, self._write)

    def _scalar(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        return int(self._db.execute(sql, params).fetchone()[0])

    def __len__(self) -> int:
        # Rows are never deleted and an upsert allocates no id: the largest id is the count,
        # found in the index (COUNT(*) would scan a million rows on every progress update).
        return self._scalar("SELECT COALESCE(MAX(id), 0) FROM records")

    def __bool__(self) -> bool:
        return self._db.execute("SELECT 1 FROM records LIMIT 1").fetchone() is not None

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, str):
            return False
        return (
            self._db.execute("SELECT 1 FROM records WHERE number = ?", (_storable(number),)).fetchone()
            is not None
        )

    def __getitem__(self, number: str) -> NumberRecord:
        row = self._db.execute("SELECT data FROM records WHERE number = ?", (_storable(number),)).fetchone()
        if row is None:
            raise KeyError(number)
        return _record(row[0])

    def get(self, number: str, default: NumberRecord | None = None) -> NumberRecord | None:
        try:
            return self[number]
        except KeyError:
            return default

    def _rows(self, columns: str) -> Iterator[tuple[Any, ...]]:
        cursor = self._db.execute(f"SELECT {columns} FROM records ORDER BY id")  # noqa: S608 (own columns)
        while batch := cursor.fetchmany(BATCH):
            yield from batch

    def __iter__(self) -> Iterator[str]:
        return (row[0] for row in self._rows("number"))

    def keys(self) -> Iterator[str]:
        return iter(self)

    def values(self) -> Iterator[NumberRecord]:
        return (_record(row[0]) for row in self._rows("data"))

    def items(self) -> Iterator[tuple[str, NumberRecord]]:
        return ((row[0], _record(row[1])) for row in self._rows("number, data"))

    def of_type(self, kind: str) -> int:
        """How many records have ``number_type`` ``kind`` (any case)."""
        return self._scalar("SELECT COUNT(*) FROM records WHERE type = ?", (_storable(kind.lower()),))

    def unreadable(self) -> int:
        """How many records have problems (fields missing or of the wrong type).

        Counted in a partial index of just those records: the crawl asks twice, and a scan
        of a million records' table is most of a second each time.
        """
        return self._scalar("SELECT COUNT(*) FROM records WHERE unreadable = 1")

    def readable_by_number(self) -> Iterator[tuple[str, NumberRecord]]:
        """``(number, record)`` of every readable record (no problems), by number ascending."""
        cursor = self._db.execute("SELECT number, data FROM records WHERE unreadable = 0 ORDER BY number")
        while batch := cursor.fetchmany(BATCH):
            for number, data in batch:
                yield number, _record(data)

    def readable_numbers(self) -> Iterator[str]:
        """Every readable record's number, ascending, without decoding any record."""
        cursor = self._db.execute("SELECT number FROM records WHERE unreadable = 0 ORDER BY number")
        while batch := cursor.fetchmany(BATCH):
            for (number,) in batch:
                yield number

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RecordStore | dict):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def close(self) -> None:
        self._finalizer()

    def __repr__(self) -> str:
        return f"<RecordStore {len(self)} records in {self.path}>"


class ListedNumbers:
    """The distinct numbers one listing showed (a set kept in the record store's file)."""

    def __init__(
        self,
        db: sqlite3.Connection,
        listing: int,
        write: Callable[[str, list[tuple[Any, ...]]], int],
    ) -> None:
        self._db, self._listing, self._count, self._write = db, listing, 0, write

    def add_page(self, numbers: Iterable[str]) -> int:
        """Add a page's numbers; how many of them the listing had already shown (duplicates)."""
        rows: list[tuple[Any, ...]] = [(self._listing, _storable(n)) for n in numbers]
        added = self._write("INSERT OR IGNORE INTO listed VALUES (?, ?)", rows)
        self._count += added
        return len(rows) - added

    def __len__(self) -> int:
        return self._count

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, str):
            return False
        row = self._db.execute(
            "SELECT 1 FROM listed WHERE listing = ? AND number = ?", (self._listing, _storable(number))
        ).fetchone()
        return row is not None

    def __repr__(self) -> str:
        return f"<ListedNumbers {self._count}>"
