"""Identifiers: incident and report slugs, and actor ids derived from names."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

SLUG_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}$"
_SLUG = re.compile(SLUG_PATTERN)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def is_slug(text: str) -> bool:
    return bool(_SLUG.fullmatch(text))


@functools.lru_cache(maxsize=65_536)  # a ledger names few actors, very many times
def actor_id(name: str) -> str:
    """The normalised slug of an actor's name:
    'Maj Gen Igor Konashenkov' -> 'maj-gen-igor-konashenkov'.

    Names with no Latin letters or digits (Arabic, Cyrillic, ...) still get an id within the slug
    pattern, from a hash of their NFC form, so two spellings of one script never collide.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NON_ALNUM.sub("-", folded.lower()).strip("-")[:80].strip("-")
    if slug and len(slug) * 2 >= len(name.strip()):
        return slug
    digest = hashlib.sha256(unicodedata.normalize("NFC", name.strip()).encode()).hexdigest()[:12]
    return f"{slug}-{digest}" if slug else f"actor-{digest}"
