"""``python -m emulator.variants``: serve a variant, or list the catalogue.

    python -m emulator.variants --list
    python -m emulator.variants --variant order_descending --port 0 --seed 7

Every option of ``python -m emulator`` works here; this is the same command line.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Sequence

from . import CATALOGUE, FAMILIES


def catalogue_text() -> str:
    lines = [f"{len(CATALOGUE)} variants in {len(FAMILIES)} families (correct, but not like our emulator):"]
    for family in FAMILIES:
        lines.append(f"\n{family}:")
        for variant in CATALOGUE.values():
            if variant.family == family:
                lines.append(f"  {variant.name:34} {variant.description}")
                lines += textwrap.wrap(
                    f"allowed by: {variant.allowed_by}", width=108, initial_indent=" " * 37,
                    subsequent_indent=" " * 39,
                )  # fmt: skip
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
