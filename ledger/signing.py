"""Ed25519 signatures over event and seal hashes (the `cryptography` package).

Someone who can write to the database but lacks the private key cannot add events that
`ledger verify --public-key` accepts. Keys are PEM files: PKCS#8 private, SubjectPublicKeyInfo
public.

The `cryptography` package is imported late, inside each function: opening a ledger imports this
module (`LEDGER_SIGNING_KEY`), and only a signing writer, `keygen` or `verify --public-key`
needs the package.
"""

from __future__ import annotations

from pathlib import Path

from ledger.domain import Signer
from ledger.errors import InvalidInput
from ledger.integrity import SignatureCheck


def new_keypair() -> tuple[bytes, bytes]:
    """A new key pair as PEM: (private, public). The caller writes them (cli.output_files)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def load_signer(path: Path) -> Signer:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as e:
        raise InvalidInput(f"cannot read the signing key {path}: {e}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(f"{path} is not an Ed25519 private key")
    return lambda digest: key.sign(bytes.fromhex(digest)).hex()


def load_signature_check(path: Path) -> SignatureCheck:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError, TypeError) as e:
        raise InvalidInput(f"cannot read the public key {path}: {e}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInput(f"{path} is not an Ed25519 public key")

    def check(digest: str, signature: str) -> bool:
        if not isinstance(signature, str) or not isinstance(digest, str):
            return False  # a tampered row may hold anything
        try:
            key.verify(bytes.fromhex(signature), bytes.fromhex(digest))
        except (InvalidSignature, ValueError):
            return False
        return True

    return check
