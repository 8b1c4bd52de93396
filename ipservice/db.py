"""Single-row INSERTs for the hot path of a booking, without the ORM's per-call compilation.

Model.save() builds and compiles its INSERT anew on every call (about 0.3 ms of CPU), and a
booking inserts three rows in its transaction (the case, its first event, the confirmation
notice). `insert` writes each model's statement once, from the model's own metadata (quoted names;
every value a parameter), and fills in the values as save() would: each field's pre_save (so
auto_now_add and defaults apply) and get_db_prep_save.

PostgreSQL only; elsewhere (SQLite in development), for a model that has pre_save or post_save
receivers or fields the database fills (db_default, GeneratedField), and for an instance whose
primary key is already set, the ORM does it (save(force_insert=True), get_or_create), so no
receiver is ever skipped and nothing is written differently.
"""

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models.signals import post_save, pre_save


def insert(instance):
    """INSERT the new model instance `instance` and set its primary key."""
    if not _fast(instance):
        instance.save(force_insert=True)
        return instance
    _execute(instance, _insert_sql(type(instance), None))
    return instance


def insert_unless_taken(instance, field_name):
    """INSERT `instance` unless a row already holds its value of the unique field `field_name`
    (INSERT ... ON CONFLICT DO NOTHING): True if inserted, False if that row was there. A second
    insert of one value waits for the first on the unique index, then finds it taken."""
    if _fast(instance):
        return _execute(instance, _insert_sql(type(instance), field_name))
    model = type(instance)
    defaults = {f.attname: getattr(instance, f.attname) for f in _fields(model)}
    lookup = {field_name: defaults.pop(model._meta.get_field(field_name).attname)}
    row, created = model._default_manager.get_or_create(**lookup, defaults=defaults)
    if created:
        instance.pk, instance._state = row.pk, row._state
    return created


def _fast(instance):
    model = type(instance)
    return (
        connection.vendor == "postgresql"
        and instance.pk is None
        and not pre_save.has_listeners(model)
        and not post_save.has_listeners(model)
        and _plain(model)
    )


@cache
def _plain(model):
    """No field whose value the database makes (db_default, a generated column)."""
    return not any(
        getattr(f, "generated", False) or getattr(f, "has_db_default", lambda: False)()
        for f in model._meta.concrete_fields
    )


@cache
def _fields(model):
    return [f for f in model._meta.concrete_fields if not f.primary_key]


@cache
def _insert_sql(model, conflict_field):
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608  (names from _meta, quoted)
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in _fields(model)),
        ", ".join(["%s"] * len(_fields(model))),
    )
    if conflict_field:
        sql += f" ON CONFLICT ({quote(model._meta.get_field(conflict_field).column)}) DO NOTHING"
    return f"{sql} RETURNING {quote(model._meta.pk.column)}"


def _execute(instance, sql):
    # The connection itself, not the `connection` proxy, which looks it up again (in a
    # context-local store) each time a field asks it for its operations: ~20 times a row.
    db = connections[DEFAULT_DB_ALIAS]
    values = [
        f.get_db_prep_save(f.pre_save(instance, add=True), db) for f in _fields(type(instance))
    ]
    with db.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding, instance._state.db = False, db.alias
    return True
