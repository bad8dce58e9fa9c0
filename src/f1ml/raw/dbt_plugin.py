"""dbt-duckdb plugin (profiles.yml, duckdb target): the raw load before a dbt command, when raw tables are absent.

dbt-duckdb calls configure_connection once, when a command first opens the database and before any node runs
(dbt parse opens none). A failed load stops the command there with one message naming the file; see
docs/decisions.md for why a plugin rather than an on-run-start hook.
"""

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.events.logging import AdapterLogger

from f1ml.settings import RAW_SCHEMA

from .autoload import load_if_absent
from .load import LoadError

logger = AdapterLogger("f1_raw")


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict) -> None:
        self.schema = plugin_config.get("schema") or RAW_SCHEMA

    def configure_connection(self, conn) -> None:
        try:
            report = load_if_absent(conn, self.schema, progress=None)
        except LoadError as exc:
            # dbt-duckdb turns a RuntimeError at connection time into one "failed to connect" error.
            raise RuntimeError(f"raw data load (schema {self.schema} was absent) failed: {exc}") from exc
        if report is not None:
            logger.info(f"raw tables were absent: loaded them first\n{report.summary()}")
