"""Fee schedules, billing terms, shared costs and meter readings (R5.1).

``commands.py``: the commands, each carrying its actor; ``service.py``: the
handlers, which authorize against the estate, and what the billing run reads.
"""

from application.finance.rates.service import EstateNotFound, RateService

__all__ = ["EstateNotFound", "RateService"]
