"""audit.json: the whole audit document, for machines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_json(document: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(document, indent=1, default=str) + "\n", encoding="utf-8")
