"""RFC 6962 Merkle trees: tree hash, audit (inclusion) paths and consistency proofs.

Builds proofs as RFC 6962 §2.1 (Certificate Transparency) defines them: MTH, PATH and PROOF.
Checks them with the verification algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2. Plain SHA-256
from the standard library; everything is raw bytes (in the ledger, a leaf is the 32 raw bytes of
an event hash).

Domain separation: a leaf is hashed as SHA-256(0x00 || leaf) and an interior node as
SHA-256(0x01 || left || right). A leaf can therefore never pass for an interior node.

What a proof shows: a proof is checked against a (size, root) pair. The root fixes the size, but
the verification algorithms cannot check that by themselves. For some sizes, a proof made for one
size also verifies for another size when given the same root. For example, the audit path of leaf
0 in a 5-leaf tree also verifies with size 6 and the 5-leaf root. So always take the size and the
root together from one trusted tree head.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "TreeBuilder",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
# MTH({}) = SHA-256 of the empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """k, the largest power of two smaller than n (n >= 2): MTH splits D[n] into D[0:k], D[k:n]."""
    return 1 << ((n - 1).bit_length() - 1)


def _mth(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) for hi > lo, by the RFC 6962 recursion (its depth is log2 of the size)."""
    if hi - lo == 1:
        return leaf_hash(leaves[lo])
    k = lo + _split(hi - lo)
    return node_hash(_mth(leaves, lo, k), _mth(leaves, k, hi))


def root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash MTH(D[n]) of a list of leaves (raw bytes, not yet hashed)."""
    return _mth(leaves, 0, len(leaves)) if leaves else EMPTY_ROOT


class TreeBuilder:
    """Computes MTH incrementally, one leaf at a time, with O(log n) memory.

    The state is a stack holding the roots of perfect subtrees, largest (leftmost) first. There
    is one subtree for each set bit of `size`. Appending a leaf merges equal-sized subtrees, as
    when adding 1 to a binary counter. The root folds the stack from the right. That is MTH,
    because MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])), where D[0:k] is the largest perfect
    subtree.
    """

    __slots__ = ("_size", "_stack")

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self._size = 0
        self._stack: list[bytes] = []
        self.extend(leaves)

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    def append(self, leaf: bytes) -> None:
        node = leaf_hash(leaf)
        # Each trailing 1 bit of the old size is a perfect subtree as big as `node`: merge it.
        n = self._size
        while n & 1:
            node = node_hash(self._stack.pop(), node)
            n >>= 1
        self._stack.append(node)
        self._size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        """MTH of the leaves appended so far (EMPTY_ROOT when there are none)."""
        if not self._stack:
            return EMPTY_ROOT
        acc = self._stack[-1]
        for subtree in reversed(self._stack[:-1]):
            acc = node_hash(subtree, acc)
        return acc


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path PATH(index, D[n]): sibling hashes, ordered from the leaf up to the root."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} is outside a tree of {n} leaves")
    path: list[bytes] = []
    lo, hi = 0, n
    # Descend from the root, keeping the subtree that holds the leaf and recording the
    # other one. PATH lists these siblings from the bottom up, so reverse the list at the end.
    while hi - lo > 1:
        k = lo + _split(hi - lo)
        if index < k:
            path.append(_mth(leaves, k, hi))
            hi = k
        else:
            path.append(_mth(leaves, lo, k))
            lo = k
    path.reverse()
    return path


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]): shows that the first `old_size` leaves are a prefix of `leaves`.

    Empty when old_size is 0 or len(leaves). The empty tree is a prefix of every tree, and
    a tree is consistent with itself.
    """
    n = len(leaves)
    if not 0 <= old_size <= n:
        raise ValueError(f"old size {old_size} is outside 0..{n}")
    if old_size in (0, n):
        return []
    proof: list[bytes] = []
    lo, hi, m = 0, n, old_size
    # SUBPROOF(m, D[lo:hi], b). `whole_old_tree` is the RFC's b: it stays true while
    # D[lo:lo+m] is the complete old tree, whose root the verifier already has.
    whole_old_tree = True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:  # The old tree lies within the left subtree; the right one is new.
            proof.append(_mth(leaves, lo + k, hi))
            hi = lo + k
        else:  # The left subtree is all old; recurse into the right one.
            proof.append(_mth(leaves, lo, lo + k))
            lo, m = lo + k, m - k
            whole_old_tree = False
    if not whole_old_tree:
        # SUBPROOF(m, D[m], false) = {MTH(D[m])}
        proof.append(_mth(leaves, lo, hi))
    proof.reverse()
    return proof


def _well_formed(proof: Sequence[bytes]) -> bool:
    return all(len(node) == HASH_SIZE for node in proof)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: is `leaf` (raw bytes) at `index` in the tree of `size` with `root`?"""
    if not 0 <= index < size or not _well_formed(proof):
        return False
    # fn is the node's index on the current level, and sn is the index of that level's last node.
    fn, sn = index, size - 1
    r = leaf_hash(leaf)
    for p in proof:
        if sn == 0:  # Already at the root: the proof is too long.
            return False
        if fn & 1 or fn == sn:
            # The sibling is on the left. If fn is the last node and has no right sibling, it
            # moves up the levels unchanged until it is a right child (or reaches the left edge).
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    # sn == 0 means the proof reached the root, so it was not too short.
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree (old_size, old_root) a prefix of (new_size, new_root)?"""
    if not 0 <= old_size <= new_size or not _well_formed(proof):
        return False
    if old_size == 0:
        # The empty tree is a prefix of everything. Its root is fixed, and so is the root of
        # any other empty tree.
        return not proof and old_root == EMPTY_ROOT and (new_size > 0 or new_root == EMPTY_ROOT)
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    # If the old tree is a perfect subtree, PROOF leaves out its root, because the verifier has it.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    # Skip the levels where the old tree's last node is a right child inside a perfect subtree.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # fr rebuilds the old root and sr the new one, from the same path.
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:  # The proof is too long.
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            # A node that only the new tree has.
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
