"""Where the portal leaves the ORM: database-specific SQL in one place.

- Collateral search's schema (used by its migrations): on SQLite an FTS5 table and its
  triggers, on PostgreSQL a tsvector kept by a trigger; `PostgresOnly` for operations that
  only PostgreSQL has.
- `rows_insert`: bulk INSERT of prepared rows (COPY on PostgreSQL, executemany elsewhere),
  for the pipeline's CRM imports.
- `objects_insert` / `objects_update`: a batch of model instances in one statement, on
  PostgreSQL as one JSON parameter (`jsonb_to_recordset`), for lead intake.
- `found_or_saved`: get-or-create of a named row that a parallel request may insert too.
"""

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState, StateApps
from django.db.models import Field, Model, QuerySet

M = TypeVar("M", bound=Model)

SQLITE_FTS_SQL = [
    # External-content FTS5 table over collateral_asset: the text stays in the asset table.
    "CREATE VIRTUAL TABLE IF NOT EXISTS collateral_asset_fts USING fts5("
    "title, search_text, description, content='collateral_asset', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS collateral_asset_fts_ai AFTER INSERT ON collateral_asset BEGIN "
    "INSERT INTO collateral_asset_fts(rowid, title, search_text, description) "
    "VALUES (new.id, new.title, new.search_text, new.description); END",
    "CREATE TRIGGER IF NOT EXISTS collateral_asset_fts_ad AFTER DELETE ON collateral_asset BEGIN "
    "INSERT INTO collateral_asset_fts(collateral_asset_fts, rowid, title, search_text, description) "
    "VALUES ('delete', old.id, old.title, old.search_text, old.description); END",
    "CREATE TRIGGER IF NOT EXISTS collateral_asset_fts_au AFTER UPDATE OF title, search_text, description "
    "ON collateral_asset BEGIN "
    "INSERT INTO collateral_asset_fts(collateral_asset_fts, rowid, title, search_text, description) "
    "VALUES ('delete', old.id, old.title, old.search_text, old.description); "
    "INSERT INTO collateral_asset_fts(rowid, title, search_text, description) "
    "VALUES (new.id, new.title, new.search_text, new.description); END",
    "INSERT INTO collateral_asset_fts(collateral_asset_fts) VALUES ('rebuild')",
]
SQLITE_FTS_DROP_SQL = [
    "DROP TRIGGER IF EXISTS collateral_asset_fts_ai",
    "DROP TRIGGER IF EXISTS collateral_asset_fts_ad",
    "DROP TRIGGER IF EXISTS collateral_asset_fts_au",
    "DROP TABLE IF EXISTS collateral_asset_fts",
]


def install_sqlite_fts(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Create the FTS5 table and its triggers. SQLite drops triggers when Django remakes a table,
    so a later migration that alters collateral_asset on SQLite must call this again."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FTS_SQL:
            schema_editor.execute(statement)


POSTGRES_VECTOR_SQL = [
    # The same weights as the FTS5 columns: title A, tags B, description C.
    """CREATE OR REPLACE FUNCTION collateral_asset_search_vector() RETURNS trigger AS $$
    BEGIN
      NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(NEW.search_text, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(NEW.description, '')), 'C');
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    # On every insert and update, so no code path (admin, services, bulk_create, reversion) can skip it.
    "CREATE TRIGGER collateral_asset_search_vector BEFORE INSERT OR UPDATE ON collateral_asset "
    "FOR EACH ROW EXECUTE FUNCTION collateral_asset_search_vector()",
    "UPDATE collateral_asset SET title = title",
]
POSTGRES_VECTOR_DROP_SQL = [
    "DROP TRIGGER IF EXISTS collateral_asset_search_vector ON collateral_asset",
    "DROP FUNCTION IF EXISTS collateral_asset_search_vector()",
]


def install_postgres_search_vector(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_VECTOR_SQL:
            schema_editor.execute(statement)


def uninstall_search(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Reverse of both installs: drop what the current database has."""
    statements = {"sqlite": SQLITE_FTS_DROP_SQL, "postgresql": POSTGRES_VECTOR_DROP_SQL}
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class PostgresOnly(Operation):
    """Run the wrapped operation on PostgreSQL only; the model state changes everywhere, so
    `makemigrations --check` stays clean on every database."""

    reversible = True

    def __init__(self, operation: Operation) -> None:
        self.operation = operation

    def deconstruct(self) -> tuple[str, list[Operation], dict[str, Any]]:
        return (self.__class__.__qualname__, [self.operation], {})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        self.operation.state_forwards(app_label, state)

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"{self.operation.describe()} (PostgreSQL only)"

    @property
    def migration_name_fragment(self) -> str:
        return self.operation.migration_name_fragment


# Converted by their field (time zones, decimals) for the database at hand; others pass as they are.
CONVERTED_TYPES = {"DateTimeField", "DateField", "DecimalField"}


def rows_insert(model: type[Model], rows: list[dict[str, Any]]) -> None:
    """INSERT `rows` (field name -> value): COPY on PostgreSQL, executemany elsewhere.

    bulk_create without a model instance per row: at 100,000 rows, building instances and
    preparing every value through its field costs more than the database does. Values come
    validated by the caller; dates, times and decimals still go through their field's
    get_db_prep_save, so the stored form is exactly what the ORM would write.
    """
    if not rows:
        return
    names = list(rows[0])
    # Rows name concrete fields (never a reverse relation), which get_field types as either.
    fields = [cast(Field, model._meta.get_field(name)) for name in names]
    table_insert(model._meta.db_table, fields, [[row[name] for name in names] for row in rows])


def table_insert(table: str, fields: list[Field], rows: list[list[Any]]) -> None:
    """INSERT `rows` (values in the order of `fields`, each field knowing its column) into `table`:
    COPY on PostgreSQL, executemany elsewhere. `table` may be a temporary staging table."""
    if not rows:
        return
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)  # type: ignore[arg-type]  # concrete: a column each
    if db.vendor == "postgresql":
        # psycopg adapts dates, aware times and decimals itself.
        with db.cursor() as cursor, cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    # Only our own table and column names (quoted) go into the statement; values are parameters.
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    converted = [(i, f) for i, f in enumerate(fields) if f.get_internal_type() in CONVERTED_TYPES]
    # Exports repeat the same few hundred dates: convert each distinct value once.
    cache: dict[tuple[int, object], object] = {}
    with db.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            params = []
            for row in rows[start : start + 2000]:
                values = list(row)
                for i, f in converted:
                    key = (i, values[i])
                    if key not in cache:
                        cache[key] = f.get_db_prep_save(values[i], db)
                    values[i] = cache[key]
                params.append(values)
            cursor.executemany(sql, params)


# ---------------------------------------------------------------------------
# A batch of instances as one JSON parameter (PostgreSQL)
# ---------------------------------------------------------------------------
def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not sent as JSON")


def _as_json_rows(objs: Sequence[Model], fields: list[Field]) -> str:
    return json.dumps(
        [{f.column: getattr(obj, f.attname) for f in fields} for obj in objs],
        default=_json_value,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def column_of(field: Field) -> str:
    # Concrete fields, the only ones written here, each have a column.
    return cast(str, field.column)


def _recordset(db: Any, fields: list[Field]) -> str:
    """`jsonb_to_recordset(%s::jsonb) AS r(column type, …)`: the rows of one JSON array as a table."""
    quote = db.ops.quote_name
    types = ", ".join(f"{quote(column_of(f))} {f.db_type(db)}" for f in fields)
    return f"jsonb_to_recordset(%s::jsonb) AS r({types})"


def objects_insert(objs: Sequence[Model]) -> None:
    """INSERT `objs` (all of one model, no pk yet) in one statement and set their pks.

    bulk_create prepares every value through its field and, on PostgreSQL, adapts them as
    arrays on the client: at 100 leads that costs more than the database does. Here the rows
    go as one JSON document that PostgreSQL unpacks; values are plain (no pre_save, so no
    auto_now), which suits rows built in memory by a service. A unique constraint broken
    raises IntegrityError, as bulk_create does. Elsewhere: bulk_create.
    """
    if not objs:
        return
    model = type(objs[0])
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        model._default_manager.bulk_create(objs)
        return
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk]
    quote = db.ops.quote_name
    columns = ", ".join(quote(column_of(f)) for f in fields)
    # Only our own table and column names go into the statement; the rows are one parameter.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) SELECT {columns} "  # noqa: S608
        f"FROM {_recordset(db, fields)} RETURNING {quote(column_of(pk))}"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [_as_json_rows(objs, fields)])
        # RETURNING gives the rows in the order they were inserted, as bulk_create relies on too.
        for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = value
            obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS


def objects_update(objs: Sequence[Model], names: list[str]) -> None:
    """UPDATE the fields `names` of `objs` (all of one model) by pk in one statement; elsewhere bulk_update."""
    if not objs:
        return
    model = type(objs[0])
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        model._default_manager.bulk_update(objs, names)
        return
    pk = model._meta.pk
    fields = [cast(Field, model._meta.get_field(name)) for name in names]
    quote = db.ops.quote_name
    table = quote(model._meta.db_table)
    assignments = ", ".join(f"{quote(column_of(f))} = r.{quote(column_of(f))}" for f in fields)
    sql = (
        f"UPDATE {table} SET {assignments} FROM {_recordset(db, [pk, *fields])} "  # noqa: S608
        f"WHERE {table}.{quote(column_of(pk))} = r.{quote(column_of(pk))}"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [_as_json_rows(objs, [pk, *fields])])


def found_or_saved(found: QuerySet[M], new: M) -> M:
    """The row `found` selects; else `new`, validated and saved — or, when a parallel insert of the
    same row won meanwhile (an IntegrityError, kept inside a savepoint), that row.

    Raises ValidationError on bad values of `new` (its uniqueness is the database's to check).
    """
    existing = found.first()
    if existing is not None:
        return existing
    new.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            new.save()
    except IntegrityError:
        return found.get()
    return new
