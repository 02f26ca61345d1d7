"""labgrid, driven from outside: its command-line client run in its own environment (``.venv-labgrid``).

- :mod:`rigs.labgrid.output`: what labgrid-client prints, parsed (sans-IO).
- :mod:`rigs.labgrid.client`: running labgrid-client commands.
- :mod:`rigs.labgrid.lease`: acquiring a place by name or tags, waiting, reclaiming one from a dead run.
- :mod:`rigs.labgrid.guard`: the process that releases a place when the run holding it is killed.

The board driver is :mod:`rigs.boards.labgrid`; rig options are :mod:`rigs.model.labgrid`.
"""
