"""The one events table: the library's PostgreSQL recorder plus a hash chain.

A BEFORE INSERT trigger links every new row to the row before it in global
order. The library's recorder already takes an EXCLUSIVE lock on the table
for each insert, so positions are handed out and committed in order and the
"row before" is always the committed predecessor. Further triggers refuse
UPDATE, DELETE and TRUNCATE: the log is append-only to everyone who does
not first switch the triggers off (which the verifier then catches).
"""

from __future__ import annotations

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

from infrastructure.eventstore.hashchain import SQL_LINK

SCHEMA_LOCK_KEY = 7_413_230_001  # serialises DDL when several processes start at once


class ChainedEventRecorder(PostgresApplicationRecorder):
    """Application recorder whose table carries ``chain_hash`` per event."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        table = Identifier(self.datastore.schema, self.events_table_name)
        chain_fn = Identifier(self.datastore.schema, f"{self.events_table_name}_chain")
        guard_fn = Identifier(self.datastore.schema, f"{self.events_table_name}_append_only")
        link_new = SQL_LINK.format(prev="prev", row="NEW")
        self.sql_create_statements.insert(
            0, SQL("SELECT pg_advisory_xact_lock({})").format(SCHEMA_LOCK_KEY)
        )
        self.sql_create_statements += [
            SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS chain_hash bytea").format(table),
            SQL(
                "CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                "DECLARE prev bytea;\n"
                "BEGIN\n"
                "  SELECT e.chain_hash INTO prev FROM {table} e\n"
                "   WHERE e.notification_id < NEW.notification_id\n"
                "   ORDER BY e.notification_id DESC LIMIT 1;\n"
                "  prev := coalesce(prev, '\\x{genesis}'::bytea);\n"
                "  NEW.chain_hash := " + link_new + ";\n"
                "  RETURN NEW;\n"
                "END $$"
            ).format(fn=chain_fn, table=table, genesis=SQL("00" * 32)),
            SQL(
                "CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                "BEGIN\n"
                "  RAISE EXCEPTION 'the event log is append-only (% refused)', TG_OP\n"
                "    USING ERRCODE = 'insufficient_privilege';\n"
                "END $$"
            ).format(fn=guard_fn),
            SQL("DROP TRIGGER IF EXISTS chain ON {}").format(table),
            SQL(
                "CREATE TRIGGER chain BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {fn}()"
            ).format(table=table, fn=chain_fn),
            SQL("DROP TRIGGER IF EXISTS append_only ON {}").format(table),
            SQL(
                "CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION {fn}()"
            ).format(table=table, fn=guard_fn),
            SQL("DROP TRIGGER IF EXISTS append_only_truncate ON {}").format(table),
            SQL(
                "CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION {fn}()"
            ).format(table=table, fn=guard_fn),
        ]
