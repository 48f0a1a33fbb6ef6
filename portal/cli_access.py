"""The `portal` CLI's access commands: Superset roles and the units' accounts.

A thin click layer over the functions the DAG tasks call; each command's
docstring is its --help, with an example."""
from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add this module's commands to the `portal` group."""
