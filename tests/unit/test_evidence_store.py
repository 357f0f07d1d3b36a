"""The evidence store on its own (ledger/evidence_store.py): content addresses, write-once,
and what a re-hash finds."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from ledger.errors import InvalidInput
from ledger.evidence import guess_kind, guess_media_type
from ledger.evidence_store import CHUNK, EvidenceStore


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "material.bin"
    path.write_bytes(os.urandom(2 * CHUNK + 7))  # three reads, the last one short
    return path


def test_a_staged_file_is_hashed_and_linked_to_its_address(tmp_path: Path, source: Path) -> None:
    store = EvidenceStore(tmp_path / "store")
    staged = store.stage(source)
    assert staged.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert staged.bytes == source.stat().st_size
    assert store.commit(staged) is True
    stored = store.path_of(staged.sha256)
    assert stored == tmp_path / "store" / "sha256" / staged.sha256[:2] / staged.sha256
    assert stored.read_bytes() == source.read_bytes()
    assert not os.stat(stored).st_mode & 0o222
    assert list(store.leftovers()) == []
    assert store.check(staged.sha256, staged.bytes).state == "ok"


def test_an_object_already_stored_is_never_replaced(tmp_path: Path, source: Path) -> None:
    store = EvidenceStore(tmp_path / "store")
    first = store.stage(source)
    store.commit(first)
    stored = store.path_of(first.sha256)
    stored.chmod(0o644)
    stored.write_bytes(b"changed behind the store's back")
    again = store.stage(source)
    assert store.commit(again) is False
    assert stored.read_bytes() == b"changed behind the store's back"  # write-once
    assert list(store.leftovers()) == []
    assert store.check(first.sha256, first.bytes).state == "truncated"


def test_a_discarded_file_leaves_nothing(tmp_path: Path, source: Path) -> None:
    store = EvidenceStore(tmp_path / "store")
    staged = store.stage(source)
    store.discard(staged)
    assert not store.contains(staged.sha256)
    assert list(store.leftovers()) == []


@pytest.mark.parametrize("damage", ["flip", "append", "truncate", "remove"])
def test_a_re_hash_names_what_happened(tmp_path: Path, source: Path, damage: str) -> None:
    store = EvidenceStore(tmp_path / "store")
    staged = store.stage(source)
    store.commit(staged)
    stored = store.path_of(staged.sha256)
    stored.chmod(0o644)
    data = stored.read_bytes()
    if damage == "flip":
        stored.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    elif damage == "append":
        stored.write_bytes(data + b"x")
    elif damage == "truncate":
        stored.write_bytes(data[:CHUNK])
    else:
        stored.unlink()
    expected = {"flip": "altered", "append": "altered", "truncate": "truncated"}
    assert store.check(staged.sha256, staged.bytes).state == expected.get(damage, "missing")


def test_a_folder_or_a_missing_file_is_refused_before_the_store_is_made(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "store")
    with pytest.raises(InvalidInput, match="folder"):
        store.stage(tmp_path)
    with pytest.raises(InvalidInput, match="no such file"):
        store.stage(tmp_path / "missing.mp4")
    assert not store.root.exists()


@pytest.mark.parametrize(
    ("name", "media_type", "kind"),
    [
        ("strike.mp4", "video/mp4", "video"),
        ("photo.JPG", "image/jpeg", "image"),
        ("statement.pdf", "application/pdf", "document"),
        ("page.html", "text/html", "web_page"),
        ("table.csv", "text/csv", "dataset"),
        ("archive.tar.gz", "application/octet-stream", "other"),
        ("no-extension", "application/octet-stream", "other"),
    ],
)
def test_media_type_and_kind_are_guessed_from_the_name(
    name: str, media_type: str, kind: str
) -> None:
    assert guess_media_type(Path(name)) == media_type
    assert guess_kind(media_type) == kind
