"""`ledger import --format claimreview FILE --incident SLUG`: fact-checkers' ClaimReview
JSON-LD (an object, an array, or a document with `@graph`) as JSON Lines for the one write
path (`ledger.importing.import_file`): each review becomes a claim and a verdict on it.

Every item is converted and validated before anything is written; a bad one is named by its
index (`item 3: ...`, exit 2). Ids are derived from content, so importing the same feed again
adds nothing. The mapping is in docs/interchange.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ledger.errors import InvalidInput
from ledger.importing import ImportResult, import_file
from ledger.interchange import InvalidLine, validate_report
from ledger.opening import open_holding
from ledger.store.config import StoreConfig, resolve

# A claim whose reviewed item names no author: one actor for them all, plainly not a party.
UNKNOWN_AUTHOR = "unknown"
# Fact-checkers' free-text verdicts (compared case-insensitively, outer space ignored), and the
# ledger's own statuses, so that `ledger export --format claimreview` reads back.
CONFIRMING = frozenset({"true", "correct", "accurate", "confirmed"})
REFUTING = frozenset({"false", "fake", "incorrect", "pants on fire", "refuted"})
_REVIEW_TYPES = frozenset({"ClaimReview", "schema:ClaimReview"})
_SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/")


def import_claimreview(
    store: StoreConfig | str | None, path: Path | str, incident: str, **options: Any
) -> ImportResult:
    """Import a ClaimReview feed into `incident` (which must exist): all reviews or none.
    `options` are `import_file`'s."""
    lines = claimreview_lines(Path(path), incident)
    # Refused here, else the refusal would name a line of the spool.
    open_holding(store if isinstance(store, StoreConfig) else resolve(store), incident).close()
    spooled = write_jsonl(lines)
    try:
        return import_file(store, spooled, **options)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(spooled)


def claimreview_lines(path: Path, incident: str) -> list[dict[str, Any]]:
    """The interchange lines (claim, verdict, claim, ...) for every ClaimReview in the file,
    each validated; InvalidInput (exit 2) names the first bad item."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InvalidInput(f"{path.name}: not JSON: {e}") from None
    except RecursionError:
        raise InvalidInput(f"{path.name}: nested too deeply") from None
    lines: list[dict[str, Any]] = []
    for index, item in _items(document):
        try:
            converted = review_lines(item, incident)
            for line in converted:
                validate_report(line)
        except InvalidLine as e:
            field = f", field '{e.field}'" if e.field else ""
            raise InvalidInput(f"item {index}{field}: {e.problem}") from None
        except _BadItem as e:
            raise InvalidInput(f"item {index}: {e}") from None
        lines.extend(converted)
    if not lines:
        raise InvalidInput(f"{path.name}: no ClaimReview found")
    return lines


def write_jsonl(lines: list[dict[str, Any]]) -> Path:
    """The lines in a temporary JSON Lines file, for `import_file` (the caller removes it)."""
    handle, name = tempfile.mkstemp(prefix="ledger-claimreview-", suffix=".jsonl")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return Path(name)


class _BadItem(ValueError):
    pass


def _items(document: Any) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """(index, review) for each ClaimReview; other nodes of a graph (publishers...) are
    skipped. Indexes count from 1 in the list as given (the graph's, or the array's)."""
    if isinstance(document, Mapping) and "@graph" in document:
        document = document["@graph"]
    nodes = document if isinstance(document, list) else [document]
    for index, node in enumerate(nodes, start=1):
        if not isinstance(node, Mapping):
            raise InvalidInput(f"item {index}: not a JSON object")
        if _is_review(node):
            yield index, node


def _is_review(node: Mapping[str, Any]) -> bool:
    types = node.get("@type")
    for type_ in types if isinstance(types, list) else [types]:
        if isinstance(type_, str) and _bare(type_) in _REVIEW_TYPES:
            return True
    return False


def _bare(term: str) -> str:
    for prefix in _SCHEMA_PREFIXES:
        if term.startswith(prefix):
            return term[len(prefix) :]
    return term


def review_lines(review: Mapping[str, Any], incident: str) -> list[dict[str, Any]]:
    """A ClaimReview as a claim line and a verdict line on it."""
    summary = review.get("claimReviewed")
    if not isinstance(summary, str) or not summary.strip():
        raise _BadItem("claimReviewed: a non-empty text is required")
    item = _first(review.get("itemReviewed"))
    item = item if isinstance(item, Mapping) else {}
    claim: dict[str, Any] = {
        "type": "claim",
        "incident": incident,
        "by": _name(item.get("author")) or UNKNOWN_AUTHOR,
        "summary": summary.strip(),
    }
    stated = item.get("datePublished")
    if isinstance(stated, str):
        claim["stated_at"] = _ledger_time(stated)
    sources = [hop for hop in map(_hop, _appearances(item)) if hop]
    if sources:
        claim["sources"] = sources
    # The claim's id is derived here, not by the pipeline: the verdict must name it.
    claim["report"] = "claim-" + _digest(claim)
    status, reason = rating_status(review.get("reviewRating"))
    verdict: dict[str, Any] = {
        "type": "verdict",
        "incident": incident,
        "refers_to": [claim["report"]],
        "status": status,
        "reason": reason,
    }
    checker = _name(review.get("author"))
    if checker:
        verdict["by"] = checker
    return [claim, verdict]


def rating_status(rating: Any) -> tuple[str, str]:
    """The ledger status a rating maps to, and the verdict's reason (which keeps the
    original rating whenever the status is not plainly its word)."""
    rating = _first(rating)
    if not isinstance(rating, Mapping):
        raise _BadItem("reviewRating: a Rating object is required")
    word = rating.get("alternateName")
    explanation = rating.get("ratingExplanation")
    if isinstance(word, str) and word.strip():
        folded = " ".join(word.split()).lower()
        if folded in CONFIRMING:
            status = "confirmed"
        elif folded in REFUTING:
            status = "refuted"
        else:
            status = "unverifiable"
        said = f"rated '{word.strip()}'"
    else:
        status, said = _by_value(rating)
    reason = (
        said
        if not isinstance(explanation, str) or not explanation.strip()
        else (f"{said}: {explanation.strip()}")
    )
    return status, reason


def _by_value(rating: Mapping[str, Any]) -> tuple[str, str]:
    """Without a word, by `ratingValue` on the worstRating–bestRating scale: the top quarter
    confirmed, the bottom quarter refuted, the rest unverifiable."""
    value = _number(rating.get("ratingValue"), "ratingValue")
    if value is None:
        raise _BadItem("reviewRating: alternateName or ratingValue is required")
    # schema.org's defaults: 1 worst, 5 best.
    worst = _number(rating.get("worstRating"), "worstRating")
    best = _number(rating.get("bestRating"), "bestRating")
    worst = 1.0 if worst is None else worst
    best = 5.0 if best is None else best
    if best == worst:
        raise _BadItem("reviewRating: bestRating equals worstRating")
    # A scale may run either way (some checkers give 1 to their best).
    position = (value - worst) / (best - worst)
    if not 0 <= position <= 1:
        raise _BadItem("reviewRating: ratingValue is outside worstRating–bestRating")
    status = "confirmed" if position >= 0.75 else "refuted" if position <= 0.25 else "unverifiable"
    said = f"rated {_plain(value)} on {_plain(worst)}–{_plain(best)}"
    return status, said


def _number(value: Any, field: str) -> float | None:
    """A rating number; schema.org allows it as text ("4", "4.5")."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _BadItem(f"reviewRating.{field}: a number is required")
    if isinstance(value, int | float | str):
        try:
            number = float(value.strip() if isinstance(value, str) else value)
        except (ValueError, OverflowError):
            raise _BadItem(f"reviewRating.{field}: a number is required") from None
        if math.isfinite(number):  # NaN and Infinity (which json accepts) place nowhere
            return number
    raise _BadItem(f"reviewRating.{field}: a number is required")


def _plain(number: float) -> str:
    return str(int(number)) if number.is_integer() else str(number)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _name(agent: Any) -> str | None:
    """An author's name: a Person/Organization's `name`, or plain text."""
    agent = _first(agent)
    if isinstance(agent, Mapping):
        agent = agent.get("name")
    return agent.strip() if isinstance(agent, str) and agent.strip() else None


def _appearances(item: Mapping[str, Any]) -> list[Any]:
    found: list[Any] = []
    for key in ("firstAppearance", "appearance"):
        value = item.get(key)
        found.extend(value if isinstance(value, list) else [value] if value else [])
    return found


def _hop(work: Any) -> dict[str, Any] | None:
    """An appearance as a source hop: its URL, published by whom and when."""
    url = work if isinstance(work, str) else work.get("url") if isinstance(work, Mapping) else None
    if not isinstance(url, str):
        return None
    publisher = (
        _name(work.get("publisher") or work.get("author")) if isinstance(work, Mapping) else None
    )
    hop: dict[str, Any] = {"outlet": publisher or _host(url), "kind": "web", "url": url}
    published = work.get("datePublished") if isinstance(work, Mapping) else None
    if isinstance(published, str):
        hop["published_at"] = _ledger_time(published)
    return hop


def _host(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0] or url


def _ledger_time(text: str) -> str:
    """Fact-checkers often write a local date-time without an offset, which the ledger refuses
    as ambiguous: its date alone is what such a stamp surely says."""
    text = text.strip()
    if len(text) > 10 and text[10] == "T" and not (text.endswith("Z") or _has_offset(text)):
        return text[:10]
    return text


def _has_offset(text: str) -> bool:
    tail = text[-6:]
    return len(tail) == 6 and tail[0] in "+-" and tail[3] == ":"


def _digest(line: Mapping[str, Any]) -> str:
    canonical = json.dumps(line, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
