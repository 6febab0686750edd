"""API keys and roles: create, check, revoke.

A key is 32 random bytes (URL-safe text with a ``hp_`` prefix), shown once when created; the
store keeps only its SHA-256 (a random 256-bit key needs no slow hash: it cannot be guessed from
a dictionary). Roles are ordered, each allowing what the one before it allows:

=========  ===========================================================================
role       may
=========  ===========================================================================
viewer     read stored plans and their reports
planner    also submit plans, validate cases and size hedges (``POST /v1/hedge``)
admin      also list and revoke keys
=========  ===========================================================================
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from hedge_planner.service.store import ApiKey, PlanStore, utc
from sqlalchemy import select

__all__ = [
    "ROLES",
    "KeyInfo",
    "Role",
    "allows",
    "check_key",
    "create_key",
    "list_keys",
    "revoke_key",
]

Role = Literal["viewer", "planner", "admin"]
#: Roles from least to most privileged.
ROLES: tuple[Role, ...] = ("viewer", "planner", "admin")
KEY_PREFIX = "hp_"


def allows(role: str, required: Role) -> bool:
    """Whether ``role`` may do what ``required`` may."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(required)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KeyInfo:
    """A stored key as the service sees it (never the key itself)."""

    id: int
    prefix: str
    role: str
    label: str
    created_at: str
    revoked_at: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON view."""
        return dict(self.__dict__)


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(
        row.id,
        row.prefix,
        row.role,
        row.label,
        utc(row.created_at).isoformat(),
        utc(row.revoked_at).isoformat() if row.revoked_at is not None else None,
    )


def create_key(store: PlanStore, role: Role, label: str = "") -> tuple[str, KeyInfo]:
    """A new key of ``role``: returns the key (shown once) and its stored record."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        key_hash=_hash(key),
        prefix=key[:10],
        role=role,
        label=label,
        created_at=dt.datetime.now(dt.UTC),
    )
    with store.session() as s:
        s.add(row)
        s.flush()
        info = _info(row)
    return key, info


def check_key(store: PlanStore, key: str) -> KeyInfo | None:
    """The record of a valid, unrevoked key, or ``None``."""
    digest = _hash(key)
    with store.session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
        # The lookup is by hash; compare again in constant time for good measure.
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.key_hash, digest):
            return None
        return _info(row)


def revoke_key(store: PlanStore, key_id: int) -> bool:
    """Revoke a key by id; false when there is no such key."""
    with store.session() as s:
        row = s.get(ApiKey, key_id)
        if row is None:
            return False
        if row.revoked_at is None:
            row.revoked_at = dt.datetime.now(dt.UTC)
        return True


def list_keys(store: PlanStore) -> list[KeyInfo]:
    """Every key (revoked ones too), oldest first."""
    with store.session() as s:
        return [_info(r) for r in s.scalars(select(ApiKey).order_by(ApiKey.id)).all()]
