# The server fixtures, for these self-tests only: pytest allows pytest_plugins only in the rootdir
# conftest, which fixtures/plugin.py owns; importing the fixtures here registers them for this folder.
from fixtures.servers import *  # noqa: F403
