"""The registry owns every table: no module outside ``mlops_desktop/registry/`` talks SQL.

Read from each module's syntax tree, so line breaks, string concatenation or f-strings cannot
hide a statement: a call of ``execute``/``executemany``/``executescript``/``query``, a
``sqlite3.connect``, an index into a sqlite-utils database (``db["table"]``) or a string that
reads as SQL is reported with its file and line.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "mlops_desktop"
REGISTRY = PACKAGE / "registry"
DATABASE_CALLS = {"execute", "executemany", "executescript", "query"}
#: SQL as this code base writes it: upper-case keywords.
STATEMENT = re.compile(
    r"\bSELECT\s+\S|\bINSERT\s+(OR\s+[A-Z]+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE\s+FROM\b|\b(CREATE|DROP|ALTER)\s+(TABLE|INDEX|VIEW|TRIGGER)\b|\bPRAGMA\s+\w"
    r"|\bBEGIN\s+(IMMEDIATE|EXCLUSIVE|DEFERRED|TRANSACTION)\b|\bCOMMIT\b|\bROLLBACK\b"
)
#: SQL in any case, in shapes that prose does not take.
SHAPE = re.compile(
    r"\binsert\s+(or\s+\w+\s+)?into\s+\w+\s*\(|\bupdate\s+\w+\s+set\s+\w+\s*="
    r"|\bselect\s+[\w\s,.*()]+?\s+from\s+\w+\s+(where|order|group|join|limit)\b"
    r"|\bdelete\s+from\s+\w+\s+where\b|\b(create|drop|alter)\s+table\b|\bpragma\s+\w+\s*="
    r"|\bbegin\s+immediate\b",
    re.IGNORECASE,
)


def _text(node: ast.expr) -> str | None:
    """The text of a string expression: literals, f-strings and ``+`` chains (holes as ``x``)."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(v) or "x" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        if left is None and right is None:
            return None
        return (left or "x") + (right or "x")
    return None


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Each outermost string expression once (an f-string's parts are not read again)."""
    inner: set[int] = set()
    out = []
    for node in ast.walk(tree):
        if id(node) in inner or not isinstance(node, ast.expr):
            continue
        text = _text(node)
        if text is not None:
            out.append((node.lineno, text))
            inner.update(id(child) for child in ast.walk(node))
    return out


def _names_db(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "db") or (
        isinstance(node, ast.Attribute) and node.attr == "db"
    )


def sql_in(source: str, filename: str = "<source>") -> list[str]:
    """Every place in ``source`` that talks SQL, as ``line: what``."""
    tree = ast.parse(source, filename=filename)
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr, owner = node.func.attr, node.func.value
            if attr in DATABASE_CALLS:
                found.append(f"{line}: .{attr}(...)")
            elif attr == "connect" and isinstance(owner, ast.Name) and owner.id == "sqlite3":
                found.append(f"{line}: sqlite3.connect(...)")
        elif isinstance(node, ast.ImportFrom) and node.module == "sqlite3":
            if any(alias.name == "connect" for alias in node.names):
                found.append(f"{line}: from sqlite3 import connect")
        elif isinstance(node, ast.Subscript) and _names_db(node.value):
            found.append(f"{line}: {ast.unparse(node)}")
    for line, text in _strings(tree):
        if STATEMENT.search(text) or SHAPE.search(text):
            found.append(f"{line}: SQL text {text[:60]!r}")
    return found


def _outside_the_registry() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if REGISTRY not in p.parents)


def test_no_sql_outside_the_registry():
    offenders = []
    for path in _outside_the_registry():
        where = path.relative_to(REPO_ROOT)
        offenders += [f"{where}:{hit}" for hit in sql_in(path.read_text(), str(path))]
    assert offenders == [], "SQL belongs in a registry store:\n" + "\n".join(offenders)


def test_every_form_of_sql_is_found():
    """The checker itself: each way of writing SQL is caught, however it is formatted."""
    caught = {
        "ws.db.execute('x')": 1,
        "conn.executemany(q, rows)": 1,
        "list(ws.db.query(q))": 1,
        "import sqlite3\nsqlite3.connect(path)": 1,
        "from sqlite3 import connect": 1,
        "row = ws.db['drift_windows'].get(1)": 1,
        "table = db[name]": 1,
        "q = ('SELECT id'\n     ' FROM predictions')": 1,
        "q = f'select {cols} from {table} where id = ?'": 1,
        "q = 'insert into outcomes (a) values (?)'": 1,
        "q = 'UPDATE alerts SET state = ?'": 1,
        "q = 'DELETE FROM alerts'": 1,
        "q = 'create table t (a)'": 1,
        "q = 'SELECT * FROM ' + table + ' WHERE id = ?'": 1,
        "q = 'select id, ts from predictions ' + 'where id > ?'": 1,
        "q = 'PRAGMA journal_mode = WAL'": 1,
    }
    for source, count in caught.items():
        assert len(sql_in(source)) == count, source


def test_prose_is_not_sql():
    for text in (
        "Select a model from the list.",
        "Choose the rows to update and press Save.",
        "Deleted from the workspace.",
        "The table of deployments.",
        "df.loc[mask]",
    ):
        assert sql_in(repr(text)) == [], text
