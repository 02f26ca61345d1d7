"""Pytester tests of the plugin in fixtures/: each runs a small pytest session against a scripted fake
board (tests/fakes/scripted_board.py) or the fake simulator, never the real simulator."""

pytest_plugins = ["pytester"]
