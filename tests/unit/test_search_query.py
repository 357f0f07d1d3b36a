"""Web-search syntax into FTS5: every phrase quoted, so no query is an FTS5 syntax error."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections.search import parse_query


def test_words_phrases_alternatives_and_exclusions() -> None:
    terms = parse_query('chlorine "yellow smoke" attack OR strike -drill')
    assert terms.groups == (("chlorine",), ("yellow smoke",), ("attack", "strike"))
    assert terms.excluded == ("drill",)
    assert terms.fts5() == (
        '(("chlorine") AND ("yellow smoke") AND ("attack" OR "strike")) NOT "drill"'
    )


def test_quotes_inside_a_word_are_doubled() -> None:
    assert parse_query('say"so').fts5() == '(("say""so"))'


@pytest.mark.parametrize("text", ["", "   ", "-only", "!!! ???", '""', "OR"])
def test_nothing_to_look_for_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="at least one word"):
        parse_query(text)


@given(st.text(max_size=60))
def test_any_text_is_a_valid_fts5_query_or_refused(text: str) -> None:
    try:
        expression = parse_query(text).fts5()
    except ValueError:
        return
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(a)")
    connection.execute("INSERT INTO t VALUES ('some words')")
    connection.execute("SELECT * FROM t WHERE t MATCH ?", (expression,)).fetchall()
