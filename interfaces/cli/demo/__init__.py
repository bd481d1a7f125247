"""``estatelog demo``: load a demo estate through the ordinary commands.

Everything here goes through the application services on the container, as
the HTTP routes do: no read-model table is written directly, every event
carries the usual metadata (actor role ``demo``, one correlation ID for the
whole load, and the acting user where a person acts). Where a command needs
a read model (does this estate exist, which alarms are due), the demo brings
the side-effect-free read models up to date itself, so it works with or
without a running projector; notifications are left to the real outbox.

The demo estate is Harbour View Gardens (code ``HVG``). Its ID derives from
the code, so a second load finds it and changes nothing.
"""

from interfaces.cli.demo.base import DemoAccount, DemoError, DemoSummary
from interfaces.cli.demo.cast import ESTATE_CODE, ESTATE_NAME, accounts, usernames
from interfaces.cli.demo.load import check_loadable, demo_estate_exists, load_demo

__all__ = [
    "ESTATE_CODE",
    "ESTATE_NAME",
    "DemoAccount",
    "DemoError",
    "DemoSummary",
    "accounts",
    "check_loadable",
    "demo_estate_exists",
    "load_demo",
    "usernames",
]
