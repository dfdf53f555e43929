"""``python -m emulator.variants``: serve a variant, or list the catalogue.

    python -m emulator.variants --list
    python -m emulator.variants --variant order_descending --port 0 --seed 7

Every option of ``python -m emulator`` works here; this is the same command line
(shared with ``python -m emulator.defects`` in :mod:`emulator.catalogue`).
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Sequence

from emulator import catalogue

from . import CATALOGUE, FAMILIES
from .base import Variant


def _lines(variant: Variant) -> list[str]:
    return [
        f"  {variant.name:34} {variant.description}",
        *textwrap.wrap(
            f"allowed by: {variant.allowed_by}",
            width=108,
            initial_indent=" " * 37,
            subsequent_indent=" " * 39,
        ),
    ]


def catalogue_text() -> str:
    heading = f"{len(CATALOGUE)} variants in {len(FAMILIES)} families (correct, but not like our emulator):"
    return catalogue.catalogue_text(heading, FAMILIES, CATALOGUE.values(), _lines)


def main(argv: Sequence[str] | None = None) -> int:
    return catalogue.main(argv, catalogue_text)


if __name__ == "__main__":
    sys.exit(main())
