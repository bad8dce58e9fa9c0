"""dbt-duckdb plugin (profiles.yml, duckdb target): the raw load before a dbt command, when raw tables are absent.

dbt-duckdb calls update_connection_config just before it opens the database and configure_connection once the
database is open, before any node runs (dbt parse opens none). Before the open, the plugin refuses a file that a
failed creation left (it would fail every command with "not a valid DuckDB database file") and creates a new
database itself, so that a failed creation (a full disk) leaves nothing behind. After it, a failed load stops the
command there with one message naming the file; see docs/decisions.md for why a plugin rather than an
on-run-start hook. It also loads the Python models' libraries there, before any node runs (f1ml.model_imports).
"""

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.events.logging import AdapterLogger

from f1ml.model_imports import preload
from f1ml.settings import RAW_SCHEMA

from .autoload import load_if_absent
from .database_file import UnusableDatabaseFile, check_database_file, create_database_file
from .load import LoadError

logger = AdapterLogger("f1_raw")


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict) -> None:
        self.schema = plugin_config.get("schema") or RAW_SCHEMA

    def update_connection_config(self, creds, config: dict) -> None:
        try:
            check_database_file(creds.path)
            create_database_file(creds.path)
        except UnusableDatabaseFile as exc:
            # dbt-duckdb turns a RuntimeError at connection time into one "failed to connect" error.
            raise RuntimeError(str(exc)) from exc

    def configure_connection(self, conn) -> None:
        try:
            report = load_if_absent(conn, self.schema, progress=None)
        except LoadError as exc:
            raise RuntimeError(f"raw data load (schema {self.schema} was absent) failed: {exc}") from exc
        if report is not None:
            logger.info(f"raw tables were absent: loaded them first\n{report.summary()}")
        preload()
