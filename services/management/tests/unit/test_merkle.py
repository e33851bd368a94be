"""RFC 6962 Merkle hashing against Certificate Transparency's published test vectors."""

from __future__ import annotations

import hashlib

import pytest

from services.management.domain.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_inclusion_proof,
    tree_root,
    verify_consistency,
)

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
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
HASHES = [leaf_hash(leaf) for leaf in LEAVES]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_certificate_transparency_vectors(size: int) -> None:
    assert tree_root(HASHES[:size]).hex() == ROOTS[size - 1]


def test_the_empty_tree_hashes_nothing() -> None:
    assert tree_root([]) == hashlib.sha256(b"").digest()


def test_leaves_and_nodes_are_domain_separated() -> None:
    # a leaf equal to the concatenation of two hashes must not collide with their parent
    pair = HASHES[0] + HASHES[1]
    assert leaf_hash(pair) != tree_root(HASHES[:2])


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 13])
def test_every_inclusion_proof_leads_back_to_the_root(size: int) -> None:
    leaves = [leaf_hash(str(i).encode()) for i in range(size)]
    root = tree_root(leaves)
    for index in range(size):
        proof = inclusion_proof(index, leaves)
        assert root_from_inclusion_proof(index, size, leaves[index], proof) == root


def test_an_inclusion_proof_fails_for_another_leaf() -> None:
    leaves = [leaf_hash(str(i).encode()) for i in range(6)]
    proof = inclusion_proof(2, leaves)
    assert root_from_inclusion_proof(2, 6, leaves[3], proof) != tree_root(leaves)


def test_consistency_proofs_verify_for_every_pair_of_sizes() -> None:
    leaves = [leaf_hash(f"entry {i}".encode()) for i in range(33)]
    for second in range(1, len(leaves) + 1):
        second_root = tree_root(leaves[:second])
        for first in range(1, second + 1):
            proof = consistency_proof(first, leaves[:second])
            first_root = tree_root(leaves[:first])
            assert verify_consistency(first, second, first_root, second_root, proof), (
                first,
                second,
            )


def test_consistency_fails_when_history_was_rewritten() -> None:
    leaves = [leaf_hash(f"entry {i}".encode()) for i in range(20)]
    proof = consistency_proof(7, leaves)
    honest_first = tree_root(leaves[:7])
    rewritten = [*leaves[:3], leaf_hash(b"rewritten"), *leaves[4:]]
    assert verify_consistency(7, 20, honest_first, tree_root(leaves), proof)
    # the operator rewrote entry 3 and recomputed: the old tree head no longer follows
    assert not verify_consistency(
        7, 20, honest_first, tree_root(rewritten), consistency_proof(7, rewritten)
    )
    assert not verify_consistency(7, 20, honest_first, tree_root(leaves), proof[:-1])
    assert not verify_consistency(7, 20, honest_first, tree_root(leaves), [*proof, proof[0]])
    assert not verify_consistency(8, 20, honest_first, tree_root(leaves), proof)
