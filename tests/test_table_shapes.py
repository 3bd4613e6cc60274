"""Every table a module reads is the table the migrations build, on SQLite and PostgreSQL alike.

A shipped migration step is frozen, while the module that reads a table holds
its latest shape (``visits/register.py``, ``mail/outbox.py`` …): two
descriptions of one table. This test keeps them from drifting: it builds a new
database with every migration and compares each ``sa.Table`` found in the
package's modules (except the migrations' own) with the table the database has:
its columns, which of them may be empty, its primary key.
"""

from __future__ import annotations

import importlib
import pkgutil

import sqlalchemy as sa

import partner_directory
from partner_directory.storage.database import Database, migrate
from partner_directory.storage.migrations import MIGRATIONS

#: Modules whose tables are not the database's latest shape: the migrations' frozen steps.
FROZEN = {"partner_directory.storage.migrations"}


def module_tables() -> dict[str, tuple[str, sa.Table]]:
    """Every ``sa.Table`` at the top level of a module of the package, by table name, with its module."""
    found: dict[str, tuple[str, sa.Table]] = {}
    for module_info in pkgutil.walk_packages(partner_directory.__path__, "partner_directory."):
        if module_info.name in FROZEN or module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, sa.Table) and value.name not in found:
                found[value.name] = (module_info.name, value)
    return found


def test_the_package_declares_the_tables_it_reads():
    names = set(module_tables())
    # The tables of every concept that lives in the database: a module that stopped declaring its table is noticed.
    expected = {"visits", "visit_events", "mail_outbox", "access_tokens", "publication_versions", "drafts"}
    assert expected | {"placed_versions", "geocode_cache", "sign_in_throttle", "data_checks"} <= names, names


def differences(inspector: sa.Inspector, module: str, table: sa.Table) -> list[str]:
    """What differs between ``table`` as ``module`` declares it and the database's table of its name."""
    if table.name not in inspector.get_table_names():
        return [f"{module}: table {table.name} is not in the database"]
    columns = {column["name"]: column for column in inspector.get_columns(table.name)}
    declared = {column.name: column for column in table.columns}
    if set(columns) != set(declared):
        return [f"{module}: {table.name} declares {sorted(declared)}, the database has {sorted(columns)}"]
    problems = [
        f"{module}: {table.name}.{name} may be empty in one and not the other"
        for name, column in declared.items()
        if not column.primary_key and column.nullable != columns[name]["nullable"]
    ]
    database_key = set(inspector.get_pk_constraint(table.name)["constrained_columns"])
    if database_key != {column.name for column in table.primary_key.columns}:
        problems.append(f"{module}: {table.name}'s primary key differs from the database's {sorted(database_key)}")
    return problems


def test_every_table_a_module_reads_is_the_table_the_migrations_build(database_url):
    database = Database(database_url)
    migrate(database, MIGRATIONS)
    try:
        with database.read() as connection:
            inspector = sa.inspect(connection)
            problems = [
                problem
                for module, table in sorted(module_tables().values(), key=lambda item: item[1].name)
                for problem in differences(inspector, module, table)
            ]
            # The comparison itself sees a drift: a column added in a module only, one made optional, a lost table.
            [visits] = [table for _, table in module_tables().values() if table.name == "visits"]

            def like_visits(*extra: sa.Column, nullable: bool | None = None) -> sa.Table:
                columns = [
                    sa.Column(
                        c.name, c.type, primary_key=c.primary_key, nullable=c.nullable if nullable is None else nullable
                    )
                    for c in visits.columns
                ]
                return sa.Table("visits", sa.MetaData(), *columns, *extra)

            assert not differences(inspector, "test", like_visits())
            drifted, optional = like_visits(sa.Column("x", sa.Text)), like_visits(nullable=True)
            lost = sa.Table("visits_renamed", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
            assert differences(inspector, "test", drifted) and differences(inspector, "test", lost)
            assert any(column.nullable is False for column in visits.columns if not column.primary_key)
            assert differences(inspector, "test", optional)
    finally:
        database.dispose()
    assert not problems, "\n".join(problems)
