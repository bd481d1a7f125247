"""What the gate context needs besides the event log: the pass key, and the
telemetry ingest that turns a controller's states into alarms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol
from uuid import UUID

from application.equipment.telemetry import IngestResult
from domain.equipment.rules import Reading


class PassSigner(Protocol):
    """Signs visitor pass tokens (Ed25519: ``infrastructure/crypto/passes.py``)."""

    def sign(self, data: bytes) -> bytes: ...

    def verifies(self, data: bytes, signature: bytes) -> bool: ...

    def public_key(self) -> str:
        """The public key, base64 of its 32 raw bytes, for gate devices to verify offline."""
        ...


class ReadingsIngest(Protocol):
    """The equipment context's ingest (``application/equipment/telemetry.py``)."""

    def ingest(self, batch: list[Reading], visible: Callable[[UUID], bool]) -> IngestResult: ...
