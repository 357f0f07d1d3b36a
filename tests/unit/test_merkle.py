"""RFC 6962 Merkle trees: known answers, an independent reference model, and proof mutations.

The known answers come from the Certificate Transparency test data, as used in the Trillian
log verifier tests (google/trillian merkle/log_verifier_test.go). Those tests use 1-based
leaf numbers; the indexes here are 0-based. Everything else is checked against a naive
transcription of the RFC 6962 §2.1 definitions, written here on list slices, and against
mutated proofs that must be refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.merkle import (
    EMPTY_ROOT,
    TreeBuilder,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# ---------------------------------------------------------------------------------------------
# The CT test vector

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]

# MTH of the first n leaves, n = 0..8.
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

# (0-based leaf index, tree size, audit path)
KNOWN_INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (0, 1, []),
]

# (old size, new size, consistency proof)
KNOWN_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]

# ---------------------------------------------------------------------------------------------
# An independent reference model: RFC 6962 §2.1 transcribed literally, on list slices.


def _k(n: int) -> int:
    """The largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(d: Sequence[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + naive_mth(d[:k]) + naive_mth(d[k:])).digest()


def naive_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*naive_path(m, d[:k]), naive_mth(d[k:])]
    return [*naive_path(m - k, d[k:]), naive_mth(d[:k])]


def naive_subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [naive_mth(d)]
    k = _k(n)
    if m <= k:
        return [*naive_subproof(m, d[:k], b), naive_mth(d[k:])]
    return [*naive_subproof(m - k, d[k:], False), naive_mth(d[:k])]


def path_shape(m: int, n: int) -> tuple[bool, ...]:
    """For each audit-path component from the bottom up, whether that sibling is on the left."""
    if n == 1:
        return ()
    k = _k(n)
    return (*path_shape(m, k), False) if m < k else (*path_shape(m - k, n - k), True)


def stream(salt: bytes, count: int) -> list[bytes]:
    """Distinct 32-byte leaves, like the event hashes in the ledger."""
    return [hashlib.sha256(salt + i.to_bytes(4, "big")).digest() for i in range(count)]


def flip(data: bytes, bit: int) -> bytes:
    bit %= len(data) * 8
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


RANDOM_DIGEST = hashlib.sha256(b"not a node of any tree here").digest()

# ---------------------------------------------------------------------------------------------
# Known answers


def test_hash_primitives_are_domain_separated_sha256():
    assert EMPTY_ROOT.hex() == ROOTS[0]
    assert leaf_hash(b"").hex() == ROOTS[1]
    assert node_hash(leaf_hash(b""), leaf_hash(b"\x00")).hex() == ROOTS[2]
    assert leaf_hash(b"\x01" + b"a" * 64) != node_hash(b"a" * 32, b"a" * 32)


@pytest.mark.parametrize("size", range(9))
def test_known_roots_of_the_ct_test_vector(size):
    assert root(LEAVES[:size]).hex() == ROOTS[size]
    assert TreeBuilder(LEAVES[:size]).root().hex() == ROOTS[size]
    assert naive_mth(LEAVES[:size]).hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), KNOWN_INCLUSION)
def test_known_inclusion_proofs(index, size, path):
    proof = inclusion_proof(LEAVES[:size], index)
    assert [p.hex() for p in proof] == path
    assert verify_inclusion(LEAVES[index], index, size, proof, bytes.fromhex(ROOTS[size]))
    assert not verify_inclusion(LEAVES[index], index, size, proof, EMPTY_ROOT)


@pytest.mark.parametrize(("old", "new", "path"), KNOWN_CONSISTENCY)
def test_known_consistency_proofs(old, new, path):
    proof = consistency_proof(LEAVES[:new], old)
    assert [p.hex() for p in proof] == path
    old_root, new_root = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
    assert verify_consistency(old, new, old_root, new_root, proof)
    if proof:
        assert not verify_consistency(old, new, new_root, old_root, proof)


# ---------------------------------------------------------------------------------------------
# Against the reference model


def test_proofs_equal_the_rfc_definitions_for_all_small_trees():
    leaves = stream(b"small", 33)
    for n in range(1, len(leaves) + 1):
        d = leaves[:n]
        assert root(d) == naive_mth(d)
        for m in range(n):
            assert inclusion_proof(d, m) == naive_path(m, d)
            assert len(path_shape(m, n)) == len(naive_path(m, d))
        for m in range(1, n + 1):
            assert consistency_proof(d, m) == naive_subproof(m, d, True)
        assert consistency_proof(d, 0) == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=70))
def test_builder_root_equals_root_for_every_prefix(leaves):
    builder = TreeBuilder()
    assert builder.size == 0
    assert builder.root() == root([]) == EMPTY_ROOT
    for n, leaf in enumerate(leaves, start=1):
        builder.append(leaf)
        assert builder.size == n
        assert builder.root() == root(leaves[:n]) == naive_mth(leaves[:n])


def test_builder_keeps_only_one_subtree_root_per_set_bit_of_the_size():
    builder = TreeBuilder()
    for n in range(1, 5000):
        builder.append(n.to_bytes(4, "big"))
        assert len(builder._stack) == n.bit_count()
    builder.extend(n.to_bytes(4, "big") for n in range(5000, 6000))
    assert builder.root() == root([n.to_bytes(4, "big") for n in range(1, 6000)])


def test_invalid_arguments_to_the_proof_builders():
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(LEAVES, 8)
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(LEAVES, -1)
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof([], 0)
    with pytest.raises(ValueError, match="outside"):
        consistency_proof(LEAVES, 9)
    with pytest.raises(ValueError, match="outside"):
        consistency_proof(LEAVES, -1)


# ---------------------------------------------------------------------------------------------
# Inclusion proofs: every genuine proof verifies, every mutation is refused


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[bytes, int, int]:
    size = draw(st.integers(1, 200))
    return draw(st.binary(max_size=4)), size, draw(st.integers(0, size - 1))


def test_inclusion_refuses_impossible_positions_and_malformed_proofs():
    r = bytes.fromhex(ROOTS[8])
    proof = inclusion_proof(LEAVES, 3)
    assert verify_inclusion(LEAVES[3], 3, 8, proof, r)
    assert not verify_inclusion(LEAVES[3], 8, 8, proof, r)
    assert not verify_inclusion(LEAVES[3], -1, 8, proof, r)
    assert not verify_inclusion(b"", 0, 0, [], EMPTY_ROOT)
    assert not verify_inclusion(b"", 1, 1, [], leaf_hash(b""))
    assert verify_inclusion(b"", 0, 1, [], leaf_hash(b""))
    assert not verify_inclusion(b"", 0, 1, [b""], leaf_hash(b""))
    assert not verify_inclusion(LEAVES[3], 3, 8, [*proof[:-1], proof[-1] + b"\x00"], r)


def test_an_audit_path_alone_does_not_commit_to_the_tree_size():
    # PATH(0, D[5]) = [l1, MTH(D[2:4]), l4] is walked identically for size 6, and lands on the
    # 5-leaf root. Only the pairing of size and root in one tree head excludes this.
    proof = inclusion_proof(LEAVES[:5], 0)
    assert path_shape(0, 5) == path_shape(0, 6)
    assert verify_inclusion(LEAVES[0], 0, 6, proof, bytes.fromhex(ROOTS[5]))
    assert not verify_inclusion(LEAVES[0], 0, 6, proof, bytes.fromhex(ROOTS[6]))


@settings(max_examples=200, deadline=None)
@given(tree_and_index(), st.integers(0, 255))
def test_genuine_inclusion_proofs_verify_and_mutations_are_refused(case, bit):
    salt, size, index = case
    leaves = stream(salt, size)
    leaf, r = leaves[index], root(leaves)
    proof = inclusion_proof(leaves, index)
    assert proof == naive_path(index, leaves)
    assert verify_inclusion(leaf, index, size, proof, r)

    # Wrong leaf, wrong root.
    assert not verify_inclusion(flip(leaf, bit), index, size, proof, r)
    assert not verify_inclusion(leaf + b"\x00", index, size, proof, r)
    assert not verify_inclusion(leaf, index, size, proof, flip(r, bit))
    assert not verify_inclusion(leaf, index, size, proof, EMPTY_ROOT)

    # Neighbouring positions, with this leaf or with the neighbour's own leaf.
    for other in (index - 1, index + 1, index ^ 2):
        if 0 <= other < size and other != index:
            assert not verify_inclusion(leaf, other, size, proof, r)
            assert not verify_inclusion(leaves[other], other, size, proof, r)
    assert not verify_inclusion(leaf, size, size, proof, r)

    # Altered components.
    for i in range(len(proof)):
        assert not verify_inclusion(
            leaf, index, size, [*proof[:i], flip(proof[i], bit), *proof[i + 1 :]], r
        )
        assert not verify_inclusion(leaf, index, size, [*proof[:i], r, *proof[i + 1 :]], r)
    # Added components: at the end, at the front, duplicated in the middle.
    for extra in (RANDOM_DIGEST, r, leaf_hash(leaf)):
        assert not verify_inclusion(leaf, index, size, [*proof, extra], r)
        assert not verify_inclusion(leaf, index, size, [extra, *proof], r)
    for i in range(len(proof)):
        assert not verify_inclusion(leaf, index, size, [*proof[: i + 1], *proof[i:]], r)
    # Removed components.
    for i in range(len(proof)):
        assert not verify_inclusion(leaf, index, size, proof[:i] + proof[i + 1 :], r)
    # Swapped components.
    for i in range(len(proof)):
        for j in range(i + 1, len(proof)):
            if proof[i] != proof[j]:
                swapped = list(proof)
                swapped[i], swapped[j] = swapped[j], swapped[i]
                assert not verify_inclusion(leaf, index, size, swapped, r)


@settings(max_examples=150, deadline=None)
@given(tree_and_index(), st.integers(1, 401))
def test_inclusion_proofs_do_not_verify_for_another_tree_size(case, drawn_size):
    salt, size, index = case
    leaves = stream(salt, 2 * size + 2)
    r = root(leaves[:size])
    proof = inclusion_proof(leaves[:size], index)
    for other in {size - 1, size + 1, size // 2, size * 2, drawn_size} - {size}:
        # Against the genuine tree head of that size: always refused.
        other_root = root(leaves[:other]) if other > 0 else EMPTY_ROOT
        assert not verify_inclusion(leaves[index], index, other, proof, other_root)
        # Against this tree's root: accepted exactly when the verifier walks the path the same
        # way (see test_an_audit_path_alone_does_not_commit_to_the_tree_size).
        same_walk = index < other and path_shape(index, other) == path_shape(index, size)
        assert verify_inclusion(leaves[index], index, other, proof, r) == same_walk


# ---------------------------------------------------------------------------------------------
# Consistency proofs: every genuine proof verifies, every mutation is refused


@st.composite
def old_and_new(draw: st.DrawFn) -> tuple[bytes, int, int]:
    new = draw(st.integers(2, 200))
    return draw(st.binary(max_size=4)), draw(st.integers(1, new - 1)), new


def test_trivial_consistency_cases():
    r3, r8 = bytes.fromhex(ROOTS[3]), bytes.fromhex(ROOTS[8])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 8, EMPTY_ROOT, r8, [])
    assert verify_consistency(8, 8, r8, r8, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, r8, [])
    assert not verify_consistency(0, 8, r3, r8, [])
    assert not verify_consistency(0, 8, EMPTY_ROOT, r8, [r8])
    assert not verify_consistency(8, 8, r8, r8, [r8])
    assert not verify_consistency(8, 8, r3, r8, [])
    assert not verify_consistency(3, 8, r3, r8, [])
    assert not verify_consistency(8, 3, r8, r3, consistency_proof(LEAVES, 3))
    assert not verify_consistency(-1, 8, EMPTY_ROOT, r8, [])
    assert consistency_proof(LEAVES, 8) == [] == consistency_proof(LEAVES, 0)


@settings(max_examples=200, deadline=None)
@given(old_and_new(), st.integers(0, 255))
def test_genuine_consistency_proofs_verify_and_mutations_are_refused(case, bit):
    salt, old, new = case
    leaves = stream(salt, new + 1)
    old_root, new_root = root(leaves[:old]), root(leaves[:new])
    proof = consistency_proof(leaves[:new], old)
    assert proof == naive_subproof(old, leaves[:new], True)
    assert verify_consistency(old, new, old_root, new_root, proof)
    assert TreeBuilder(leaves[:new]).root() == new_root

    def refused(o: int, n: int, ro: bytes, rn: bytes, p: list[bytes]) -> bool:
        return not verify_consistency(o, n, ro, rn, p)

    # Wrong roots.
    assert refused(old, new, flip(old_root, bit), new_root, proof)
    assert refused(old, new, old_root, flip(new_root, bit), proof)
    assert refused(old, new, new_root, old_root, proof)
    assert refused(old, new, old_root, old_root, proof)
    # Wrong sizes, each with the genuine root of that size.
    for o, n in ((old - 1, new), (old + 1, new), (old, new - 1), (old, new + 1), (new, old)):
        ro = root(leaves[:o]) if o > 0 else EMPTY_ROOT
        rn = root(leaves[:n]) if n > 0 else EMPTY_ROOT
        assert refused(o, n, ro, rn, proof)
    # Wrong sizes, with these roots: the proof is too short for a tree twice as high.
    assert refused(old, 2 * new, old_root, new_root, proof)
    assert refused(old, 2 * new + 1, old_root, new_root, proof)
    assert refused(new, old, new_root, old_root, proof)
    assert refused(old, old, old_root, new_root, proof)
    assert refused(0, new, old_root, new_root, proof)
    # An empty proof.
    assert refused(old, new, old_root, new_root, [])
    # Altered components.
    for i in range(len(proof)):
        assert refused(
            old, new, old_root, new_root, [*proof[:i], flip(proof[i], bit), *proof[i + 1 :]]
        )
    # Added components: at the end, at the front, duplicated in the middle.
    for extra in (RANDOM_DIGEST, old_root, new_root):
        assert refused(old, new, old_root, new_root, [*proof, extra])
        assert refused(old, new, old_root, new_root, [extra, *proof])
    for i in range(len(proof)):
        assert refused(old, new, old_root, new_root, [*proof[: i + 1], *proof[i:]])
    # Removed components.
    for i in range(len(proof)):
        assert refused(old, new, old_root, new_root, proof[:i] + proof[i + 1 :])
    # Swapped components.
    for i in range(len(proof)):
        for j in range(i + 1, len(proof)):
            if proof[i] != proof[j]:
                swapped = list(proof)
                swapped[i], swapped[j] = swapped[j], swapped[i]
                assert refused(old, new, old_root, new_root, swapped)
