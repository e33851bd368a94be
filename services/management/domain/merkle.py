"""RFC 6962 Merkle tree hashing (as in Certificate Transparency).

Leaves are SHA-256(0x00 || entry); interior nodes SHA-256(0x01 || left || right); the tree of n
leaves splits at the largest power of two below n. The empty tree's hash is SHA-256 of nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def tree_root(leaves: Iterable[bytes]) -> bytes:
    """Merkle Tree Hash of the given leaf hashes, in one pass and O(log n) memory.

    Complete subtrees of equal size merge as leaves arrive; what is left at the end merges
    right to left, which is exactly RFC 6962's split at the largest power of two.
    """
    stack: list[tuple[bytes, int]] = []
    for leaf in leaves:
        node, size = leaf, 1
        while stack and stack[-1][1] == size:
            left, _ = stack.pop()
            node, size = node_hash(left, node), size * 2
        stack.append((node, size))
    if not stack:
        return hashlib.sha256(b"").digest()
    node = stack.pop()[0]
    while stack:
        node = node_hash(stack.pop()[0], node)
    return node


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """Audit path of leaf `index` in the tree of `leaves` (RFC 6962, 2.1.1)."""
    if not 0 <= index < len(leaves):
        raise IndexError("leaf index outside the tree")
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*inclusion_proof(index, leaves[:k]), tree_root(leaves[k:])]
    return [*inclusion_proof(index - k, leaves[k:]), tree_root(leaves[:k])]


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """Recompute the root from a leaf and its audit path (RFC 9162, 2.1.3.2)."""
    if not 0 <= index < size:
        raise ValueError("leaf index outside the tree")
    fn, sn, node = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise ValueError("proof longer than the tree is deep")
        if fn % 2 == 1 or fn == sn:
            node = node_hash(sibling, node)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = node_hash(node, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ValueError("proof shorter than the tree is deep")
    return node


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """Proof that the tree of the first `first` leaves is a prefix of the tree of all `leaves`
    (RFC 6962, 2.1.2)."""
    if not 0 < first <= len(leaves):
        raise IndexError("the first tree must be non-empty and no larger than the second")
    return _subproof(first, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [tree_root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), tree_root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), tree_root(leaves[:k])]


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows the tree of size `first` and root `first_root` is a prefix of the
    tree of size `second` and root `second_root` (RFC 9162, 2.1.4.2)."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first tree is a whole subtree
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(node, fr), node_hash(node, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, node)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
