"""Central-side list tool: the same as ``anpr-edge hotlist ...`` without installing the node.

Usage: ``python tools/hotlist.py build --csv list.csv ...`` (see ``--help``).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from edge.cli import main

if __name__ == "__main__":
    sys.exit(main(["hotlist", *sys.argv[1:]]))
