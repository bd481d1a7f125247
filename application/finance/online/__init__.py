"""Online payments from a provider (WeChat Pay API v3): orders, notifications, settlements."""

from application.finance.online.service import OnlinePayments

__all__ = ["OnlinePayments"]
