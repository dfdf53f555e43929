"""``python -m emulator.defects``: serve a defective emulator, or list the catalogue.

    python -m emulator.defects --list
    python -m emulator.defects --defect services_any_of --port 0 --seed 7

Every option of ``python -m emulator`` works here; this is the same command line.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from . import CATALOGUE, FAMILIES


def catalogue_text() -> str:
    lines = [f"{len(CATALOGUE)} defects in {len(FAMILIES)} families:"]
    for family in FAMILIES:
        lines.append(f"\n{family}:")
        for defect in CATALOGUE.values():
            if defect.family == family:
                lines.append(f"  {defect.name:36} {defect.description}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--list" in args:
        print(catalogue_text())
        return 0
    from emulator import cli

    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main())
