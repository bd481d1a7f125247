"""Signed exports of the log for auditors (issue 16, "Auditors' time machine").

An export is the log from its first event up to a position, in the backup
format (``replay/backup.py``: every event with its chain hash, an end record)
but without the personal-data keys, so the personal data in it is ciphertext
only. After the end record comes one ``attestation`` line: the position, the
chain's head hash there, the number of events, a SHA-256 of every line before
it, when it was signed, and the service's Ed25519 signature over those
fields (canonical JSON: sorted keys, no spaces). The attestation is a second
gzip member of the same file, which any gzip reader reads on as one stream.

``estatelog verify --export FILE --public-key KEY`` checks it offline with
the public key the auditor was given apart from the file (the key inside the
file only says which one signed): the signature, the digest of the lines,
then the chain recomputed from the genesis through every event to the head
the attestation names. The auditor can also restore the file into a database
of their own (``estatelog restore``) and rebuild every read model there.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from replay.backup import BackupInvalid, take_backup, verify_backup

FORMAT = "estatelog-attestation"
VERSION = 1


def public_key_text(key: Ed25519PublicKey) -> str:
    """The public key as auditors are given it: base64 of its 32 raw bytes."""
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def key_id(key: Ed25519PublicKey) -> str:
    """A short name of the key: the first 16 hex digits of the SHA-256 of its raw bytes."""
    return hashlib.sha256(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


def public_key_from_text(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise ValueError("not an Ed25519 public key (base64 of 32 bytes)") from None


def _canonical(fields: dict[str, Any]) -> bytes:
    return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)


@dataclass(frozen=True)
class SignedExport:
    path: str
    position: int
    events: int
    head_hash: str
    key_id: str
    signed_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def write_signed_export(
    conninfo: str, out: Path, position: int, key: Ed25519PrivateKey
) -> SignedExport:
    """The log up to ``position`` into ``out``, with its signed attestation."""
    summary = take_backup(conninfo, out, to_position=position, with_keys=False)
    digest = hashlib.sha256()
    with gzip.open(out, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    fields = {
        "format": FORMAT,
        "version": VERSION,
        "position": summary.to_position,
        "events": summary.events,
        "head_hash": summary.head_hash,
        "content_sha256": digest.hexdigest(),
        "signed_at": datetime.now(UTC).isoformat(),
        "key_id": key_id(key.public_key()),
        "public_key": public_key_text(key.public_key()),
    }
    signature = base64.b64encode(key.sign(_canonical(fields))).decode()
    with gzip.open(out, "ab") as f:  # a second member: read on as one stream
        f.write(orjson.dumps({"kind": "attestation", **fields, "signature": signature}) + b"\n")
    return SignedExport(
        path=str(out),
        position=summary.to_position,
        events=summary.events,
        head_hash=summary.head_hash,
        key_id=str(fields["key_id"]),
        signed_at=str(fields["signed_at"]),
    )


@dataclass(frozen=True)
class ExportReport:
    ok: bool
    path: str
    position: int | None = None
    events: int | None = None
    head_hash: str | None = None
    signed_at: str | None = None
    key_id: str | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _raw_lines(path: Path) -> Iterator[bytes]:
    try:
        with gzip.open(path, "rb") as f:
            yield from f
    except (OSError, EOFError) as e:
        raise BackupInvalid(f"unreadable export file: {e}") from None


def verify_signed_export(path: Path, trusted: Ed25519PublicKey) -> ExportReport:
    """Check ``path`` against the ``trusted`` public key, offline."""

    def refused(problem: str, **known: Any) -> ExportReport:
        return ExportReport(ok=False, path=str(path), problem=problem, **known)

    digest, last = hashlib.sha256(), b""
    try:
        for raw in _raw_lines(path):
            if last:
                digest.update(last)
            last = raw
    except BackupInvalid as e:
        return refused(str(e))
    try:
        attestation = orjson.loads(last) if last else {}
    except orjson.JSONDecodeError:
        attestation = {}
    if attestation.get("kind") != "attestation" or attestation.get("format") != FORMAT:
        return refused("not a signed export (no attestation at its end)")
    fields = {k: v for k, v in attestation.items() if k not in ("kind", "signature")}
    known = {
        "position": fields.get("position"),
        "events": fields.get("events"),
        "head_hash": fields.get("head_hash"),
        "signed_at": fields.get("signed_at"),
        "key_id": fields.get("key_id"),
    }
    if fields.get("key_id") != key_id(trusted):
        return refused("signed with another key than the one given", **known)
    try:
        trusted.verify(base64.b64decode(str(attestation.get("signature", ""))), _canonical(fields))
    except (InvalidSignature, ValueError):
        return refused("the signature does not verify: the attestation was changed", **known)
    if fields.get("content_sha256") != digest.hexdigest():
        return refused("the lines do not match the signed digest: the log was changed", **known)
    chain = verify_backup(path)
    if not chain.ok:
        return refused(f"the chain does not verify: {chain.problem}", **known)
    if chain.from_position != 0:
        return refused("not an export from the first event", **known)
    if (chain.to_position or 0, chain.events_checked, chain.head_hash) != (
        fields.get("position") or 0,
        fields.get("events"),
        fields.get("head_hash"),
    ):
        return refused("the attestation does not name the file's head", **known)
    return ExportReport(ok=True, path=str(path), **known)
