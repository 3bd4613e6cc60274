"""Links that act without an account: one random secret per link, bound to one record and one purpose.

A link's token is 256 random bits (``secrets.token_urlsafe``); only its
SHA-256 is stored, so the database alone cannot make a link that works. It is
unguessable, which is what a signature would give, and it can also be used
once, expire and be revoked — state a signature alone cannot hold.

:func:`issue` makes one; :func:`look_up` says what a token is for, or raises
:class:`~partner_directory.errors.TokenError` with a sentence (unknown,
expired, used, revoked); :func:`use` spends it, once, in one transaction
(two clicks at once: one wins, the other is told the link was used).
Rate limiting of guesses is the caller's: ``access.throttle``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from partner_directory.errors import TokenError
from partner_directory.storage.database import Database

#: What a link may do; a token of one purpose never works for another.
PURPOSES: tuple[str, ...] = ("visit_confirm", "visit_answer", "data_check")

metadata = sa.MetaData()
#: The tokens as ``storage.migrations`` step 5 leaves them.
token_table = sa.Table(
    "access_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("purpose", sa.String(40), nullable=False),
    sa.Column("record", sa.String(250), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)


@dataclass(frozen=True)
class Grant:
    """What a valid token is for."""

    purpose: str
    record: str
    expires_at: dt.datetime
    opened_at: dt.datetime | None


def token_hash(token: str) -> str:
    """The stored form of ``token``.

    >>> len(token_hash("abc")), token_hash("abc") == token_hash("abc")
    (64, True)
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(database: Database, purpose: str, record: str, *, now: dt.datetime, lifetime: dt.timedelta) -> str:
    """A new token for ``purpose`` on ``record``, valid for ``lifetime``; the secret is returned, only its hash kept."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    token = secrets.token_urlsafe(32)
    with database.write() as connection:
        connection.execute(
            token_table.insert().values(
                token_hash=token_hash(token),
                purpose=purpose,
                record=record,
                created_at=now,
                expires_at=now + lifetime,
                opened_at=None,
                used_at=None,
                revoked_at=None,
            )
        )
    return token


def look_up(database: Database, token: str, purpose: str, *, now: dt.datetime, mark_opened: bool = True) -> Grant:
    """What ``token`` grants for ``purpose``; raises ``TokenError`` (code ``token_unknown``/``_expired``/``_used``/``_revoked``).

    The first look-up records when the link was opened (staff see "opened").
    """
    with database.write() as connection:
        row = _row(connection, token, purpose)
        _check(row, now)
        opened_at = _aware(row.opened_at) if row.opened_at else None
        if mark_opened and opened_at is None:
            connection.execute(
                token_table.update().where(token_table.c.token_hash == row.token_hash).values(opened_at=now)
            )
            opened_at = now
        return Grant(row.purpose, row.record, _aware(row.expires_at), opened_at)


def use(database: Database, token: str, purpose: str, *, now: dt.datetime) -> Grant:
    """Spend ``token``: it works once. Raises ``TokenError`` like :func:`look_up`; a second use gets ``token_used``."""
    with database.write() as connection:
        row = _row(connection, token, purpose)
        _check(row, now)
        spent = connection.execute(
            token_table.update()
            .where(token_table.c.token_hash == row.token_hash, token_table.c.used_at.is_(None))
            .values(used_at=now, opened_at=row.opened_at or now)
        )
        if spent.rowcount != 1:
            raise TokenError("token_used")
        return Grant(row.purpose, row.record, _aware(row.expires_at), _aware(row.opened_at) if row.opened_at else now)


def revoke(database: Database, *, record: str, purpose: str | None = None, now: dt.datetime) -> int:
    """Revoke every unused token on ``record`` (of ``purpose`` when given); returns how many."""
    query = token_table.update().where(
        token_table.c.record == record, token_table.c.used_at.is_(None), token_table.c.revoked_at.is_(None)
    )
    if purpose is not None:
        query = query.where(token_table.c.purpose == purpose)
    with database.write() as connection:
        return connection.execute(query.values(revoked_at=now)).rowcount


def _row(connection: sa.Connection, token: str, purpose: str) -> sa.Row:
    if not token or len(token) > 200:
        raise TokenError("token_unknown")
    row = connection.execute(
        sa.select(token_table).where(token_table.c.token_hash == token_hash(token)).with_for_update()
    ).first()
    if row is None or row.purpose != purpose:
        raise TokenError("token_unknown")
    return row


def _check(row: sa.Row, now: dt.datetime) -> None:
    if row.revoked_at is not None:
        raise TokenError("token_revoked")
    if row.used_at is not None:
        raise TokenError("token_used")
    if _aware(row.expires_at) <= now:
        raise TokenError("token_expired")


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite gives back naive datetimes; every time stored here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
