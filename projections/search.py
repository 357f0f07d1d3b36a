"""Full-text search over the reports (`ledger search`): the index and its queries.

One document per `timeline` row: its text column (title, summary or reason), author, quote,
the names it gives, an incident's description and location, a correction's new values
(migration 0004 describes the index on each backend).

On SQLite the index is an FTS5 table over the SQL view `report_search_source`; FTS5 cannot see
a view change, so the projector writes the index itself, in the transaction that writes
`timeline` (`index_reports`, `refreshing`, `clear`): a crash leaves both at the same batch,
and a rebuild refills it with the rest. On PostgreSQL the index is a GIN index over a `tsvector`
of `timeline`'s own columns (a function of the row since migration 0008), which the database
keeps current with the rows.

A query takes web-search syntax on both backends (words, "a phrase", `OR`, `-word`), which on
SQLite is turned into an FTS5 expression of quoted terms: no input is an FTS5 syntax error.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from ledger.errors import InvalidFilter
from ledger.report_fields import REPORT_TYPES
from ledger.timeutil import InvalidTime, earliest_instant
from projections.driver import read_connection, run_sql

if TYPE_CHECKING:  # imported where used: a search without --actor needs no registry
    from ledger.store.config import StoreConfig
    from projections.actor_scope import ActorScope


class Connection(Protocol):
    """What the index needs of the projector's connection (projections.rows.Connection, which
    imports this module)."""

    postgres: bool

    def run(self, statement: str, params: Sequence[Any] = ()) -> None: ...

    def run_many(self, statement: str, rows: Sequence[Sequence[Any]]) -> None: ...


# The definitions migration 0004 froze (tests/integration/test_search.py compares them).
SQLITE_SOURCE = (
    "SELECT position, summary, "
    "json_extract(data, '$.quote') AS quote, "
    "coalesce(\"by\", '') || ' ' || coalesce(json_extract(data, '$.speaker'), '') || ' ' || "
    "coalesce(json_extract(data, '$.on_behalf_of'), '') || ' ' || "
    "coalesce(json_extract(data, '$.addressee'), '') || ' ' || "
    "coalesce(json_extract(data, '$.against'), '') AS names, "
    "coalesce(json_extract(data, '$.description'), '') || ' ' || "
    "coalesce(json_extract(data, '$.location'), '') || ' ' || "
    "coalesce(json_extract(data, '$.changes'), '') AS more "
    "FROM timeline"
)
# PostgreSQL's document: a function of the row (migration 0008 defines it, and froze this copy)
# that parses `data` once; revision 0004's expression cast it to jsonb for each of eight fields,
# and that was most of what the GIN index cost each row the projector wrote. The index is over
# this very call, so the queries below use it.
POSTGRES_FUNCTION = """\
CREATE FUNCTION ledger_search_document(summary text, "by" text, data text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    parsed jsonb := data::jsonb;
BEGIN
    RETURN to_tsvector('simple'::regconfig, coalesce(summary, '') || ' ' ||
        coalesce(parsed ->> 'quote', '') || ' ' || coalesce("by", '') || ' ' ||
        coalesce(parsed ->> 'speaker', '') || ' ' ||
        coalesce(parsed ->> 'on_behalf_of', '') || ' ' ||
        coalesce(parsed ->> 'addressee', '') || ' ' ||
        coalesce(parsed ->> 'against', '') || ' ' ||
        coalesce(parsed ->> 'description', '') || ' ' ||
        coalesce(parsed ->> 'location', '') || ' ' ||
        coalesce(parsed ->> 'changes', ''));
END
$$"""
POSTGRES_DOCUMENT = 'ledger_search_document(summary, "by", data)'
INDEX = "report_search"
_FIELDS = "summary, quote, names, more"

# What `ledger search` prints, best match first.
COLUMNS = (
    "score", "report", "incident", "type", "by", "stated_at", "status", "summary", "position"
)  # fmt: skip
# At a terminal the report leads (the first column is never given up, and an id is what a
# reader copies; the rows are already in score order) and the score, to two places, follows.
TABLE_COLUMNS = ("report", "incident", "type", "by", "stated_at", "status", "score", "summary")
DEFAULT_LIMIT = 50
# Without filters, a query matching more reports than this ranks only the latest this many (in
# log order): ranking every match of a word in a third of a million-event log cost 0.4 s.
RANKED = 10_000


# --- the projector's side (SQLite only: PostgreSQL's index follows its table) ----------------


def index_reports(db: Connection, positions: Sequence[int]) -> None:
    """Index the timeline rows just inserted at these positions (all of one batch, which holds
    every row between its first and last position: batches arrive in log order)."""
    if db.postgres or not positions:
        return
    db.run(
        f"INSERT INTO {INDEX} (rowid, {_FIELDS}) SELECT position, {_FIELDS} "
        "FROM report_search_source WHERE position BETWEEN ? AND ?",
        (min(positions), max(positions)),
    )


# A document as `index_documents` takes it: rowid (the position), then the fields in order.
Document = tuple[int, Any, Any, str, str]
_NAMES = ("speaker", "on_behalf_of", "addressee", "against")
_MORE = ("description", "location", "changes")


def document(record: dict[str, Any], summary: Any, by: Any) -> Document | None:
    """The report's document exactly as `report_search_source` gives it, built from the record
    where the row's JSON is (so a rebuild's worker builds it, not the writer's SQL); None when a
    value is one whose SQL text this does not reproduce (a number, a boolean): the view then.
    The corrections' refresh deletes a document by the view's text, so the two must agree
    (FTS5's 'integrity-check' with rank 1 compares the index with the view)."""
    values = [record.get(key) for key in ("quote", *_NAMES, *_MORE)]
    texts: list[str] = []
    for value in values:
        if value is None or isinstance(value, str):
            texts.append(value or "")
        elif isinstance(value, dict | list):
            # json_extract gives an object or array as its minified JSON text, which the
            # record's own (sorted, minified) serialization holds verbatim.
            texts.append(orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode())
        else:
            return None
    if not (summary is None or isinstance(summary, str)) or not (by is None or isinstance(by, str)):
        return None
    quote = values[0] if values[0] is None else texts[0]
    names = " ".join((by or "", *texts[1:5]))
    more = " ".join(texts[5:])
    return int(record["position"]), summary, quote, names, more


def index_documents(
    db: Connection, documents: Sequence[Document | None], positions: Sequence[int]
) -> None:
    """`index_reports` of rows whose documents (`document`, None where it gave none) are
    already built: those go straight in, the rest through the view."""
    if db.postgres:
        return
    ready = [d for d in documents if d is not None]
    db.run_many(f"INSERT INTO {INDEX} (rowid, {_FIELDS}) VALUES (?, ?, ?, ?, ?)", ready)
    if len(ready) < len(positions):
        rest = sorted(set(positions) - {d[0] for d in ready})
        db.run(
            f"INSERT INTO {INDEX} (rowid, {_FIELDS}) SELECT position, {_FIELDS} "
            f"FROM report_search_source WHERE position IN ({', '.join('?' * len(rest))})",
            rest,
        )


@contextlib.contextmanager
def refreshing(db: Connection, position: int) -> Iterator[None]:
    """Around an UPDATE of one timeline row: FTS5 forgets a document only when told its old
    text, so the row's old document leaves the index before and the new one enters after."""
    if db.postgres:
        yield
        return
    moved = (
        f"INSERT INTO {INDEX} ({INDEX}, rowid, {_FIELDS}) SELECT 'delete', position, {_FIELDS} "
        "FROM report_search_source WHERE position = ?"
    )
    db.run(moved, (position,))
    yield
    db.run(moved.replace("'delete', ", "").replace(f"({INDEX}, rowid", "(rowid"), (position,))


def clear(db: Connection) -> None:
    """Empty the index, in the transaction that empties `timeline` for a rebuild."""
    if not db.postgres:
        db.run(f"INSERT INTO {INDEX} ({INDEX}) VALUES ('delete-all')")


# --- queries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """A query in web-search syntax: groups of alternatives (all groups must match), and
    phrases that must not."""

    groups: tuple[tuple[str, ...], ...]
    excluded: tuple[str, ...]

    def fts5(self) -> str:
        """The FTS5 expression: every phrase quoted, so that nothing in it is FTS5 syntax."""

        def phrase(text: str) -> str:
            return '"' + text.replace('"', '""') + '"'

        found = " AND ".join("(" + " OR ".join(map(phrase, group)) + ")" for group in self.groups)
        return "".join([f"({found})", *(f" NOT {phrase(p)}" for p in self.excluded)])


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w", re.UNICODE)


def plain(text: str) -> str:
    """The query without NUL, which ends FTS5's strings early and PostgreSQL's text refuses."""
    return text.replace("\x00", " ")


def parse_query(text: str) -> Terms:
    """Words, "phrases", OR between two of them, -word or -"phrase" to exclude; InvalidFilter
    when nothing is left to look for."""
    text = plain(text)
    groups: list[list[str]] = []
    excluded: list[str] = []
    alternative = False
    for match in _TOKEN.finditer(text):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare == "OR":
            alternative = bool(groups)
            continue
        if bare is not None:
            negated, quoted = ("-", bare[1:]) if bare.startswith("-") else ("", bare)
        if not _WORD.search(quoted):
            continue  # punctuation only: no word to look for
        if negated:
            excluded.append(quoted)
        elif alternative:
            groups[-1].append(quoted)
        else:
            groups.append([quoted])
        alternative = False
    if not groups:
        raise InvalidFilter("search: give at least one word to look for")
    return Terms(tuple(tuple(g) for g in groups), tuple(excluded))


def search_query(
    postgres: bool,
    text: str,
    *,
    incident: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
    actor: str | ActorScope | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int = DEFAULT_LIMIT,
    best: int | None = None,
    from_position: int | None = None,
) -> tuple[str, list[Any]]:
    """(SQL with `?` placeholders, parameters) of a search, best match first, among the `best`
    best matches (None: all) before the filters, of those at `from_position` or later in the
    log (None: all); InvalidFilter (exit 2) for a query with no word or a bad filter."""
    terms = parse_query(text)
    if limit < 1:
        raise InvalidFilter("--limit must be at least 1")
    # Only the matches from this position on (the latest, when a common word matches too many).
    window = "" if from_position is None else f" AND {'position' if postgres else 'rowid'} >= ?"
    if postgres:
        found = (
            f"SELECT position, ts_rank({POSTGRES_DOCUMENT}, q) AS score "
            f"FROM timeline, websearch_to_tsquery('simple'::regconfig, ?) AS q "
            f"WHERE {POSTGRES_DOCUMENT} @@ q{window} ORDER BY score DESC, position"
        )
        parameters: list[Any] = [plain(text)]
    else:
        # `rank` is bm25 (lower is better); ordered by it, FTS5 ranks without a sort of its own.
        found = (
            f"SELECT rowid AS position, -rank AS score FROM {INDEX} WHERE {INDEX} MATCH ?{window} "
            "ORDER BY rank, rowid"
        )
        parameters = [terms.fts5()]
    if from_position is not None:
        parameters.append(from_position)
    if best is not None:
        found += " LIMIT ?"
        parameters.append(best)
    where = ["t.voided = ?"]
    parameters.append(False)
    if incident:
        where.append(f"t.incident IN ({', '.join('?' * len(incident))})")
        parameters += incident
    if types:
        unknown = sorted(set(types) - set(REPORT_TYPES))
        if unknown:
            raise InvalidFilter(
                f"--type: no report type {unknown[0]!r} (one of {', '.join(REPORT_TYPES)})"
            )
        where.append(f"t.type IN ({', '.join('?' * len(types))})")
        parameters += types
    if actor:
        # A scope (projections.actor_scope) when the caller resolved the name through the
        # registry; a plain name is an actor of its own.
        if isinstance(actor, str):
            from projections.actor_scope import ActorScope  # only with an actor (see TYPE_CHECKING)

            scope = ActorScope.unregistered(actor)
        else:
            scope = actor
        where.append(
            "t.report IN (SELECT report_actors.report FROM report_actors "
            f"WHERE report_actors.actor IN ({', '.join('?' * len(scope.keys))}))"
        )
        parameters += scope.keys
    for label, value, operator in (("--since", since, ">="), ("--until", until, "<=")):
        if value is not None:
            try:
                where.append(f"t.stated_from {operator} ?")
                parameters.append(earliest_instant(value))
            except InvalidTime as e:
                raise InvalidFilter(f"{label}: {e}") from None
    sql = (
        f"WITH found AS ({found}) "
        'SELECT found.score, t.report, t.incident, t.type, t."by", t.stated_at, '
        "COALESCE(c.status, i.status) AS status, t.summary, t.position "
        "FROM found JOIN timeline AS t ON t.position = found.position "
        "LEFT JOIN claims AS c ON c.report = t.report "
        "LEFT JOIN incidents AS i ON t.type = 'incident' AND i.incident = t.incident "
        f"WHERE {' AND '.join(where)} ORDER BY found.score DESC, t.position LIMIT ?"
    )
    parameters.append(limit)
    return sql, parameters


def search(
    store: StoreConfig,
    text: str,
    *,
    on_unknown: Callable[[str], None] | None = None,
    on_capped: Callable[[str], None] | None = None,
    **filters: Any,
) -> list[dict[str, Any]]:
    """The reports matching `text` (web-search syntax), best first, as dicts of `COLUMNS`.

    Joining every match to `timeline` cost seconds for a word in a third of a million-event
    log, so without filters the best matches are taken first, voided ones dropped, and four
    times as many again while too few remain; and when more than `RANKED` reports match, only
    the latest `RANKED` are ranked (`on_capped` gets a note saying so). A filter may pass few of
    the best (taking more until enough passed took 15 s for one incident): filtered, every
    match is ranked once. `actor` resolves through the registry; `on_unknown` gets the hint for
    a name nobody has."""
    postgres = store.backend != "sqlite"
    search_query(postgres, text, **filters)  # a query with no word, a bad filter: refused first
    limit = int(filters.get("limit", DEFAULT_LIMIT))
    narrowed = any(filters.get(k) for k in ("incident", "types", "actor", "since", "until"))
    best: int | None = None if narrowed else limit + 16
    total: int | None = None
    window: int | None = None  # the lowest position ranked (None: every match)
    ranked = RANKED
    with read_connection(store) as connection:
        if isinstance(filters.get("actor"), str):
            from projections.actor_scope import actor_scope  # the registry: only with --actor

            filters["actor"] = scope = actor_scope(connection, filters["actor"])
            if not scope.known and on_unknown is not None:
                on_unknown(scope.hint())
        if best is not None:
            ranked = max(RANKED, limit)
            latest = _latest_matches(connection, postgres, text, ranked + 1)
            if len(latest) <= ranked:
                total = len(latest)  # every match: no need to count them again
                if not latest:
                    return []
            else:
                window = latest[ranked - 1]
        while True:
            sql, parameters = search_query(
                postgres, text, best=best, from_position=window, **filters
            )
            found = run_sql(connection, sql, parameters)
            if best is None or len(found) >= limit:
                break
            if window is not None and best >= ranked:
                window = None  # the latest were nearly all voided: rank every match
                continue
            if total is None:
                total = _matches(connection, postgres, text)
            if best >= total:  # every match was ranked
                break
            best *= 4
    if window is not None and on_capped is not None:
        on_capped(
            f"note: more than {ranked:,} reports match; shown are the best of the latest "
            f"{ranked:,} (a filter, such as --since or --incident, ranks every match)"
        )
    rows = [dict(zip(COLUMNS, row, strict=True)) for row in found]
    for row in rows:
        row["score"] = round(float(row["score"]), 6)
    return rows


def _latest_matches(connection: Any, postgres: bool, text: str, count: int) -> list[int]:
    """The positions of the latest `count` documents matching, filters aside, latest first:
    read in the index's own order, without ranking them."""
    if postgres:
        sql = (
            f"SELECT position FROM timeline WHERE {POSTGRES_DOCUMENT} @@ "
            "websearch_to_tsquery('simple'::regconfig, ?) ORDER BY position DESC LIMIT ?"
        )
        parameters: list[Any] = [plain(text), count]
    else:
        sql = f"SELECT rowid FROM {INDEX} WHERE {INDEX} MATCH ? ORDER BY rowid DESC LIMIT ?"
        parameters = [parse_query(text).fts5(), count]
    return [int(position) for (position,) in run_sql(connection, sql, parameters)]


def _matches(connection: Any, postgres: bool, text: str) -> int:
    """How many documents match, filters aside."""
    if postgres:
        sql = (
            f"SELECT count(*) FROM timeline WHERE {POSTGRES_DOCUMENT} @@ "
            "websearch_to_tsquery('simple'::regconfig, ?)"
        )
        ((count,),) = run_sql(connection, sql, [plain(text)])
    else:
        sql = f"SELECT count(*) FROM {INDEX} WHERE {INDEX} MATCH ?"
        ((count,),) = run_sql(connection, sql, [parse_query(text).fts5()])
    return int(count)


def vocabulary(sqlite_file: str) -> dict[str, tuple[int, int]]:
    """Every term of a SQLite ledger's search index, with the documents holding it and its
    occurrences: what `verify --views` compares with the index a rebuild gives, since FTS5's
    own integrity-check cannot see an index that disagrees with its external content."""
    connection = sqlite3.connect(sqlite_file)
    try:
        connection.execute(f"CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, {INDEX}, row)")
        found = connection.execute("SELECT term, doc, cnt FROM temp.terms").fetchall()
        (documents,) = connection.execute(f"SELECT count(*) FROM {INDEX}_docsize").fetchone()
    finally:
        connection.close()
    terms = {str(term): (int(doc), int(cnt)) for term, doc, cnt in found}
    terms[""] = (int(documents), 0)  # no term is empty: the documents indexed
    return terms
