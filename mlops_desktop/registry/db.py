"""Opening the workspace database: WAL, foreign keys, a busy timeout, explicit write transactions.

Writers take the write lock up front (``BEGIN IMMEDIATE``) so two processes writing at once wait
for each other instead of failing with "database is locked" when a read lock cannot be upgraded.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

BUSY_TIMEOUT_MS = 30_000


def connect(path: Path | str) -> sqlite_utils.Database:
    """Open ``path`` as a sqlite-utils Database configured for concurrent use."""
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,  # autocommit; transactions are explicit (see ``write``)
        check_same_thread=False,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return sqlite_utils.Database(conn)


@contextlib.contextmanager
def write(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a block as one write transaction that holds the write lock from its start.

    Nested calls join the outer transaction through sqlite-utils savepoints.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


@contextlib.contextmanager
def read(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a block of reads on one snapshot of the database (a deferred transaction).

    Every query in the block sees the same commit, so figures read together agree although
    another process writes meanwhile. Do not write inside it. Nested calls join the outer one.
    """
    if db.conn.in_transaction:
        yield db
        return
    db.conn.execute("BEGIN")
    try:
        yield db
    finally:
        if db.conn.in_transaction:
            db.conn.execute("COMMIT")
