"""``python -m audits``: see audits.cli."""

import sys

from audits.cli import main

sys.exit(main())
