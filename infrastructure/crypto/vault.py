"""Per-person data keys for personal data (R2.2, R7.3): crypto-shredding.

Each person has a random AES-256 key, stored wrapped (AES-256-GCM under the
master key) in ``personal_data_keys``, outside the event log. Events carry
only ciphertext. Erasure deletes the key, after which every copy of that
person's ciphertext, in the log, in snapshots and in backups, is noise.

A backup taken before an erasure still holds the wrapped key. So erasure
also appends the key's fingerprint (a SHA-256 of the wrapped key, which
names neither the person nor the key) to the erasure register, a file kept
beside the master key and never in a backup; a restore deletes every key
the register names before it rebuilds anything (:meth:`forget_erased`). A
key made later for the same person (new data after the erasure) has another
fingerprint and survives.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg_pool import ConnectionPool

from infrastructure.autocommit import autocommitted

PREFIX = "pd1:"

DDL = [
    """CREATE TABLE IF NOT EXISTS personal_data_keys (
        subject_id uuid PRIMARY KEY,
        wrapped_key bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    )""",
]


class PersonalDataVault:
    """Encrypts and decrypts one person's fields with that person's key."""

    def __init__(
        self, pool: ConnectionPool, master_key: bytes, register: Path | None = None
    ) -> None:
        self._pool = pool
        self._master = AESGCM(master_key)
        self._register = register

    def encrypt(self, subject_id: UUID, field: str, plaintext: str) -> str:
        key = self._key(subject_id, create=True)
        assert key is not None
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), _aad(subject_id, field))
        return PREFIX + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, subject_id: UUID, field: str, ciphertext: str | None) -> str | None:
        """The plaintext, or None when there is none or its key was erased.

        After an erasure, new personal data gets a new key; ciphertext sealed
        under the erased key then fails authentication under the new one and
        is as unreadable as with no key at all. A wrong master key still
        raises (``InvalidTag`` from unwrapping): that is a misconfiguration.
        """
        if not ciphertext:
            return None
        key = self._key(subject_id, create=False)
        if key is None:
            return None
        raw = base64.b64decode(ciphertext.removeprefix(PREFIX))
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], _aad(subject_id, field)).decode()
        except InvalidTag:
            return None

    def erase(self, subject_id: UUID) -> bool:
        """Delete the person's key for good; True if there was one."""
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT wrapped_key FROM personal_data_keys WHERE subject_id = %s", [subject_id]
            ).fetchone()
        if row is not None:
            self._remember_erased(bytes(row[0]))  # first, so no crash forgets it
        with self._pool.connection() as conn:
            deleted = conn.execute(
                "DELETE FROM personal_data_keys WHERE subject_id = %s", [subject_id]
            ).rowcount
        with self._pool.connection() as conn:
            conn.autocommit = True
            try:
                # Remove the dead tuple that still holds the wrapped key.
                conn.execute("VACUUM (FREEZE) personal_data_keys")
            finally:
                conn.autocommit = False
        return deleted > 0

    def forget_erased(self) -> int:
        """Delete every key the erasure register names (after a restore); how many."""
        erased = self._erased()
        if not erased:
            return 0
        with self._pool.connection() as conn:
            doomed = [
                subject
                for subject, wrapped in conn.execute(
                    "SELECT subject_id, wrapped_key FROM personal_data_keys"
                ).fetchall()
                if _fingerprint(bytes(wrapped)) in erased
            ]
            if doomed:
                conn.execute("DELETE FROM personal_data_keys WHERE subject_id = ANY(%s)", [doomed])
        return len(doomed)

    def _remember_erased(self, wrapped: bytes) -> None:
        if self._register is None:
            return
        self._register.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._register, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, (_fingerprint(wrapped) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def _erased(self) -> set[str]:
        if self._register is None or not self._register.exists():
            return set()
        return set(self._register.read_text().split())

    def has_key(self, subject_id: UUID) -> bool:
        return self._key(subject_id, create=False) is not None

    def _key(self, subject_id: UUID, *, create: bool) -> bytes | None:
        # In autocommit: the look-up, nearly always all there is, is one round
        # trip. A key made here was committed at once before too (the block's
        # end), and READ COMMITTED lets each statement see what others committed.
        with autocommitted(self._pool) as conn:
            row = conn.execute(
                "SELECT wrapped_key FROM personal_data_keys WHERE subject_id = %s", [subject_id]
            ).fetchone()
            if row is None and create:
                fresh = AESGCM.generate_key(bit_length=256)
                nonce = os.urandom(12)
                wrapped = nonce + self._master.encrypt(nonce, fresh, subject_id.bytes)
                conn.execute(
                    "INSERT INTO personal_data_keys (subject_id, wrapped_key) VALUES (%s, %s) "
                    "ON CONFLICT (subject_id) DO NOTHING",
                    [subject_id, wrapped],
                )
                row = conn.execute(
                    "SELECT wrapped_key FROM personal_data_keys WHERE subject_id = %s",
                    [subject_id],
                ).fetchone()
        if row is None:
            return None
        wrapped = bytes(row[0])
        return self._master.decrypt(wrapped[:12], wrapped[12:], subject_id.bytes)


def _fingerprint(wrapped: bytes) -> str:
    return hashlib.sha256(b"estatelog erased key\n" + wrapped).hexdigest()


def _aad(subject_id: UUID, field: str) -> bytes:
    return subject_id.bytes + field.encode()
