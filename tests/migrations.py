"""Tests of migrations: the database taken back to an older state, and brought forward again.

The ``migrated_back`` fixture (tests/conftest.py) brings it forward after a test.
"""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps


def migrate_to(target: tuple[str, str]) -> StateApps:
    """The database at ``target``; its models as they were then."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def migrate_to_newest() -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
