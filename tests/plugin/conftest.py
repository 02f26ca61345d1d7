"""Pytester tests of the plugin in fixtures/: each runs a small pytest session against a scripted fake
board (tests/fakes/scripted_board.py) or the fake simulator, never the real simulator."""

import sys
from pathlib import Path

# The fakes are plain modules beside the tests, not a package of the project.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fakes"))

pytest_plugins = ["pytester"]
