"""``python -m spec.extract [--check]``: rebuild (or check) spec/data from the guide."""

from __future__ import annotations

import sys

from spec.extract import run
from spec.extract.sources import RELEASE

if __name__ == "__main__":
    args = sys.argv[1:]
    release = args[args.index("--release") + 1] if "--release" in args[:-1] else RELEASE
    sys.exit(run(check="--check" in args, release=release))
