"""The command line shared by ``python -m emulator.defects`` and ``python -m emulator.variants``.

Both catalogues are listed the same way (a count, then each family with one line per
entry) and otherwise take the whole ``python -m emulator`` command line, so the listing
and the dispatch live here once; each ``__main__`` only says how one entry reads.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

__all__ = ["Entry", "catalogue_text", "main"]


class Entry(Protocol):
    """What a listed catalogue entry has (a defect or a variant)."""

    @property
    def name(self) -> str: ...

    @property
    def family(self) -> str: ...

    @property
    def description(self) -> str: ...


E = TypeVar("E", bound=Entry)


def catalogue_text(
    heading: str, families: Iterable[str], entries: Iterable[E], lines: Callable[[E], list[str]]
) -> str:
    """``heading``, then each family in order with ``lines(entry)`` for each of its entries."""
    listed = list(entries)
    out = [heading]
    for family in families:
        out.append(f"\n{family}:")
        for entry in listed:
            if entry.family == family:
                out += lines(entry)
    return "\n".join(out)


def main(argv: Sequence[str] | None, listing: Callable[[], str]) -> int:
    """Print ``listing()`` for ``--list``; otherwise run ``python -m emulator`` with the same arguments."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--list" in args:
        print(listing())
        return 0
    from emulator import cli

    return cli.main(args)
