"""The tables as PostgreSQL holds them, in versioned migrations.

The same tables and columns as the SQLite file (``sqlite_schema.py``), in PostgreSQL's
types: whole numbers ``BIGINT``, times and losses ``DOUBLE PRECISION``, raw arrays ``BYTEA``,
JSON documents ``TEXT`` (read and written whole, never queried inside but for a listing's
few keys). Ids and owners compare byte by byte (``COLLATE "C"``), as SQLite compares them, so
listings come out in the same order on both.

The totals that SQLite's triggers keep are kept here by PL/pgSQL triggers. The ``usage``
triggers change the whole store's row before the owner's, in every writer: that row is locked
first, so two writers never hold each other's rows (no deadlock) and a quota check after a
write sees every total it depends on (``accounts.py``). The ``snapshot_usage`` triggers run
once per statement over its changed rows, so pruning a thousand snapshots is one update.

``meta`` holds ``schema_version`` (3: the tables as SQLite's version 3 has them; 4: an index
of when each network last changed, for the expiry sweep); :data:`MIGRATIONS` maps each version to the
statements that bring the one before it there, and ``PostgresDatabase.prepare`` applies those missing, in one
transaction under an advisory lock (two servers starting together migrate once).
"""

from __future__ import annotations

from .accounts import ALL

SCHEMA_VERSION = 4
ID = 'TEXT COLLATE "C"'


def _counting(table: str, column: str) -> str:
    """Triggers keeping ``usage`` in step with ``table`` (``column``: its count in usage)."""
    other = "datasets" if column == "networks" else "networks"

    def add(owner: str) -> str:
        return (
            f"INSERT INTO usage AS u (owner, {column}, {other}, bytes) VALUES ({owner}, 1, 0, NEW.bytes) "
            f"ON CONFLICT (owner) DO UPDATE SET {column} = u.{column} + 1, bytes = u.bytes + excluded.bytes;"
        )

    def change(sets: str, owner: str) -> str:
        return (
            f"UPDATE usage SET {sets} WHERE owner = '{ALL}'; UPDATE usage SET {sets} WHERE owner = {owner};"
        )

    resize = "bytes = bytes + NEW.bytes - OLD.bytes"
    remove = f"{column} = {column} - 1, bytes = bytes - OLD.bytes"
    return f"""
CREATE FUNCTION {table}_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {add(f"'{ALL}'")} {add("NEW.owner")} RETURN NULL; END $$;
CREATE TRIGGER {table}_counted AFTER INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_counted();
CREATE FUNCTION {table}_resized() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {change(resize, "NEW.owner")} RETURN NULL; END $$;
CREATE TRIGGER {table}_resized AFTER UPDATE OF bytes ON {table} FOR EACH ROW
    WHEN (OLD.bytes IS DISTINCT FROM NEW.bytes) EXECUTE FUNCTION {table}_resized();
CREATE FUNCTION {table}_uncounted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {change(remove, "OLD.owner")} RETURN NULL; END $$;
CREATE TRIGGER {table}_uncounted AFTER DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_uncounted();
"""


VERSION_3 = f"""
CREATE TABLE networks (
    id {ID} PRIMARY KEY,
    version BIGINT NOT NULL,
    data_key {ID},
    dataset_id {ID},
    layers TEXT NOT NULL,
    activations TEXT NOT NULL,
    loss TEXT NOT NULL,
    task TEXT,
    phase TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    step BIGINT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    owner {ID} NOT NULL DEFAULT '',
    name TEXT,
    scratch INTEGER NOT NULL DEFAULT 0,
    bytes BIGINT NOT NULL DEFAULT 0,
    log_bytes BIGINT NOT NULL DEFAULT 0,
    spec TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX networks_by_creation ON networks (created_at, id);
CREATE INDEX networks_by_data ON networks (data_key);
CREATE INDEX networks_by_dataset ON networks (dataset_id);
CREATE INDEX networks_by_owner ON networks (owner, created_at, id);
CREATE TABLE network_data (key {ID} PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE history (
    network_id {ID} NOT NULL,
    epoch BIGINT NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (network_id, epoch)
);
CREATE TABLE datasets (
    id {ID} PRIMARY KEY,
    created_at DOUBLE PRECISION NOT NULL,
    owner {ID} NOT NULL DEFAULT '',
    bytes BIGINT NOT NULL DEFAULT 0,
    info TEXT NOT NULL,
    arrays TEXT NOT NULL
);
CREATE INDEX datasets_by_creation ON datasets (created_at, id);
CREATE INDEX datasets_by_owner ON datasets (owner, created_at, id);
CREATE TABLE snapshots (
    network_id {ID} NOT NULL,
    kind TEXT NOT NULL,
    step BIGINT NOT NULL,
    epoch BIGINT NOT NULL,
    train_loss DOUBLE PRECISION,
    size BIGINT NOT NULL,
    header TEXT NOT NULL,
    arrays BYTEA NOT NULL,
    PRIMARY KEY (network_id, kind, step)
);
CREATE INDEX snapshots_by_step ON snapshots (network_id, step);
CREATE TABLE snapshot_usage (network_id {ID} PRIMARY KEY, count BIGINT NOT NULL, bytes BIGINT NOT NULL);
CREATE TABLE step_losses (
    network_id {ID} NOT NULL,
    first_step BIGINT NOT NULL,
    last_step BIGINT NOT NULL,
    steps BYTEA NOT NULL,
    epochs BYTEA NOT NULL,
    losses BYTEA NOT NULL,
    PRIMARY KEY (network_id, first_step)
);
CREATE INDEX step_losses_by_last ON step_losses (network_id, last_step);
CREATE TABLE usage (
    owner {ID} PRIMARY KEY,
    networks BIGINT NOT NULL,
    datasets BIGINT NOT NULL,
    bytes BIGINT NOT NULL
);
INSERT INTO usage VALUES ('{ALL}', 0, 0, 0);
CREATE TABLE meta (key {ID} PRIMARY KEY, value TEXT NOT NULL);

CREATE FUNCTION snapshots_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO snapshot_usage AS u (network_id, count, bytes)
        SELECT network_id, count(*), sum(size) FROM added GROUP BY network_id
        ON CONFLICT (network_id) DO UPDATE
        SET count = u.count + excluded.count, bytes = u.bytes + excluded.bytes;
    RETURN NULL;
END $$;
CREATE TRIGGER snapshots_added AFTER INSERT ON snapshots
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION snapshots_added();
CREATE FUNCTION snapshots_replaced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE snapshot_usage u SET bytes = u.bytes + d.delta FROM (
        SELECT network_id, sum(size) AS delta FROM (
            SELECT network_id, size FROM after_rows UNION ALL SELECT network_id, -size FROM before_rows
        ) AS changes GROUP BY network_id
    ) AS d WHERE u.network_id = d.network_id;
    RETURN NULL;
END $$;
CREATE TRIGGER snapshots_replaced AFTER UPDATE ON snapshots
    REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION snapshots_replaced();
CREATE FUNCTION snapshots_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE snapshot_usage u SET count = u.count - d.n, bytes = u.bytes - d.b FROM (
        SELECT network_id, count(*) AS n, sum(size) AS b FROM removed GROUP BY network_id
    ) AS d WHERE u.network_id = d.network_id;
    DELETE FROM snapshot_usage WHERE count <= 0 AND network_id IN (SELECT network_id FROM removed);
    RETURN NULL;
END $$;
CREATE TRIGGER snapshots_removed AFTER DELETE ON snapshots
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION snapshots_removed();
{_counting("networks", "networks")}
{_counting("datasets", "datasets")}
"""
# The expiry sweep finds networks unchanged since a time without reading them all.
VERSION_4 = "CREATE INDEX networks_by_update ON networks (updated_at);"
MIGRATIONS = {3: VERSION_3, 4: VERSION_4}
