"""The cyclic collector is paused for the bulk paths, and given back as it was."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ledger.infra.collector import collector_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_the_collector_is_off_inside_and_back_on_after(collector_on: None) -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        # Check: the inner pause leaves it to the outer one.
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_back_on_after_an_error(collector_on: None) -> None:
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(collector_on: None) -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_an_append_and_a_rebuild_run_with_the_collector_paused(
    ledger, db_url: str, monkeypatch: pytest.MonkeyPatch, collector_on: None
) -> None:  # type: ignore[no-untyped-def]
    from ledger.application import IncidentLedger
    from ledger.store.config import resolve
    from projections import rebuild as rebuild_module
    from tests.conftest import read_lines

    seen: list[tuple[str, bool]] = []
    append_once = IncidentLedger._append_once
    store_log = rebuild_module._TwoPasses._store_log

    def spy_append(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(("append", gc.isenabled()))
        return append_once(self, *args, **kwargs)

    def spy_store_log(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(("rebuild", gc.isenabled()))
        return store_log(self, *args, **kwargs)

    monkeypatch.setattr(IncidentLedger, "_append_once", spy_append)
    monkeypatch.setattr(rebuild_module._TwoPasses, "_store_log", spy_store_log)
    ledger.append(read_lines(), recorded_by="tester")
    rebuild_module.rebuild(ledger, resolve(db_url), workers=False)
    assert seen == [("append", False), ("rebuild", False)]
    assert gc.isenabled()
