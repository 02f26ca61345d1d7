# Only registers the plugin modules in fixtures/ (see ../shared/ARCHITECTURE.md).
pytest_plugins = ["fixtures.plugin"]
