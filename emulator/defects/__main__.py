"""``python -m emulator.defects``: serve a defective emulator, or list the catalogue.

    python -m emulator.defects --list
    python -m emulator.defects --defect services_any_of --port 0 --seed 7

Every option of ``python -m emulator`` works here; this is the same command line
(shared with ``python -m emulator.variants`` in :mod:`emulator.catalogue`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from emulator import catalogue

from . import CATALOGUE, FAMILIES
from .base import Defect


def _lines(defect: Defect) -> list[str]:
    return [f"  {defect.name:36} {defect.description}"]


def catalogue_text() -> str:
    heading = f"{len(CATALOGUE)} defects in {len(FAMILIES)} families:"
    return catalogue.catalogue_text(heading, FAMILIES, CATALOGUE.values(), _lines)


def main(argv: Sequence[str] | None = None) -> int:
    return catalogue.main(argv, catalogue_text)


if __name__ == "__main__":
    sys.exit(main())
