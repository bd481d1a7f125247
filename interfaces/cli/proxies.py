"""Whose word to take for the client's address: the reverse proxies in front of the API.

Behind a reverse proxy (TLS ends there: docs/deployment.md) every request
comes from the proxy's address, so the login throttle, the lockout alert and
the audit trail would see one client. uvicorn reads the client's address from
``X-Forwarded-For`` (and the scheme from ``X-Forwarded-Proto``), but only
from peers it is told to trust: ``ESTATELOG_TRUSTED_PROXIES``, a comma-separated
list of addresses or networks (``172.18.0.0/16``). Empty, the default, trusts
no one, so a client cannot name its own address by sending the header; the
same rule holds for one API process and for ``--workers N``.
"""

from __future__ import annotations

from typing import Any


def proxy_options(trusted_proxies: str) -> dict[str, Any]:
    """uvicorn's options for ``trusted_proxies`` (as the setting holds it)."""
    trusted = [p.strip() for p in trusted_proxies.split(",") if p.strip()]
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}
