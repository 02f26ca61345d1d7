"""``python -m spec.extract [--check]``: rebuild (or check) spec/data from the guide."""

from __future__ import annotations

import sys

from spec.extract import run

if __name__ == "__main__":
    sys.exit(run(check="--check" in sys.argv[1:]))
