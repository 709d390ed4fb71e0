"""What the Polymarket CLOB checks before it accepts a request: order signatures (EIP-712,
CTF Exchange V2), L1 wallet headers (EIP-712 ``ClobAuth``) and L2 HMAC headers.

Written from the venue's specification (see ``docs/venues/polymarket.md``), independently
of the official client, so that the emulator verifies what the client signs; the tests check
the two against each other.

- Order: domain ``{name: "Polymarket CTF Exchange", version: "2", chainId,
  verifyingContract}``, where the contract is the V2 exchange, or the V2 negRisk exchange for a
  negRisk market; struct ``Order(uint256 salt, address maker, address signer, uint256
  tokenId, uint256 makerAmount, uint256 takerAmount, uint8 side, uint8 signatureType,
  uint256 timestamp, bytes32 metadata, bytes32 builder)``. The order id is its EIP-712 hash.
- L1: domain ``{name: "ClobAuthDomain", version: "1", chainId}``; struct ``ClobAuth(address
  address, string timestamp, uint256 nonce, string message)``.
- L2: ``base64url(HMAC-SHA256(base64url_decode(secret), timestamp + METHOD + path + body))``.

>>> l2_signature("c2VjcmV0", "1700000000", "GET", "/data/orders")
'rght4Ai-8fubeLpGeBeoKAOna_ak8s8DmrlZwiqNDRU='
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_utils import keccak
from py_clob_client_v2.config import get_contract_config

from pythia.core.errors import ConfigError, DataError
from pythia.venues.polymarket import wire

POLYGON = 137
EXCHANGE_DOMAIN_NAME = "Polymarket CTF Exchange"
EXCHANGE_DOMAIN_VERSION = "2"
CLOB_AUTH_DOMAIN_NAME = "ClobAuthDomain"
CLOB_AUTH_MESSAGE = "This message attests that I control the given wallet"
SIDE_INDEX = {"BUY": 0, "SELL": 1}
ZERO_BYTES32 = "0x" + "00" * 32

_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
_ORDER_TYPE = [
    {"name": "salt", "type": "uint256"},
    {"name": "maker", "type": "address"},
    {"name": "signer", "type": "address"},
    {"name": "tokenId", "type": "uint256"},
    {"name": "makerAmount", "type": "uint256"},
    {"name": "takerAmount", "type": "uint256"},
    {"name": "side", "type": "uint8"},
    {"name": "signatureType", "type": "uint8"},
    {"name": "timestamp", "type": "uint256"},
    {"name": "metadata", "type": "bytes32"},
    {"name": "builder", "type": "bytes32"},
]
_CLOB_AUTH_TYPES = {
    "EIP712Domain": _DOMAIN_TYPE[:3],
    "ClobAuth": [
        {"name": "address", "type": "address"},
        {"name": "timestamp", "type": "string"},
        {"name": "nonce", "type": "uint256"},
        {"name": "message", "type": "string"},
    ],
}


def exchange_address(chain_id: int, neg_risk: bool) -> str:
    """The V2 exchange contract orders of a market are signed for (negRisk or not)."""
    try:
        config = get_contract_config(chain_id)
    except Exception:  # the client raises a bare Exception for an unknown chain
        raise ConfigError(f"no Polymarket contracts known on chain {chain_id}") from None
    return config.neg_risk_exchange_v2 if neg_risk else config.exchange_v2


def _bytes32(text: str, what: str) -> bytes:
    raw = text.removeprefix("0x") if text else ""
    try:
        value = bytes.fromhex(raw.zfill(64))
    except ValueError:
        raise DataError(f"{what} {text!r} is not hex") from None
    if len(value) != 32:
        raise DataError(f"{what} {text!r} is longer than 32 bytes")
    return value


def _integer(text: str | int, what: str) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise DataError(f"{what} {text!r} is not an integer") from None
    if value < 0:
        raise DataError(f"{what} {text!r} is negative")
    return value


def order_message(order: wire.SignedOrder, chain_id: int, neg_risk: bool) -> SignableMessage:
    """The EIP-712 message of a V2 order (``DataError`` for a malformed field)."""
    side = SIDE_INDEX.get(order.side.upper())
    if side is None:
        raise DataError(f"unknown order side {order.side!r}")
    typed = {
        "primaryType": "Order",
        "types": {"EIP712Domain": _DOMAIN_TYPE, "Order": _ORDER_TYPE},
        "domain": {
            "name": EXCHANGE_DOMAIN_NAME,
            "version": EXCHANGE_DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": exchange_address(chain_id, neg_risk),
        },
        "message": {
            "salt": _integer(order.salt, "salt"),
            "maker": order.maker,
            "signer": order.signer,
            "tokenId": _integer(order.token_id, "tokenId"),
            "makerAmount": _integer(order.maker_amount, "makerAmount"),
            "takerAmount": _integer(order.taker_amount, "takerAmount"),
            "side": side,
            "signatureType": _integer(order.signature_type, "signatureType"),
            "timestamp": _integer(order.timestamp, "timestamp"),
            "metadata": _bytes32(order.metadata, "metadata"),
            "builder": _bytes32(order.builder, "builder"),
        },
    }
    try:
        return encode_typed_data(full_message=typed)
    except (ValueError, TypeError) as error:
        raise DataError(f"order does not encode: {error}") from None


def message_hash(message: SignableMessage) -> str:
    """The 32-byte EIP-712 digest of a message, 0x-hex (a V2 order's id)."""
    return "0x" + keccak(b"\x19" + message.version + message.header + message.body).hex()


def order_hash(order: wire.SignedOrder, chain_id: int, neg_risk: bool) -> str:
    """The order's id: its EIP-712 hash against the exchange of its market."""
    return message_hash(order_message(order, chain_id, neg_risk))


def _recover(message: SignableMessage, signature: str) -> str:
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
        return Account.recover_message(message, signature=raw)
    except (ValueError, TypeError, binascii.Error):
        raise DataError("signature does not recover an address") from None
    except Exception as error:  # eth_keys raises its own BadSignature
        raise DataError(f"signature does not recover an address: {error}") from None


def recover_order_signer(order: wire.SignedOrder, chain_id: int, neg_risk: bool) -> str:
    """The address that signed the order (checksummed); ``DataError`` if it cannot recover."""
    return _recover(order_message(order, chain_id, neg_risk), order.signature)


def clob_auth_message(address: str, timestamp: str, nonce: int, chain_id: int) -> SignableMessage:
    """The EIP-712 ``ClobAuth`` message an L1 header signs."""
    typed = {
        "primaryType": "ClobAuth",
        "types": _CLOB_AUTH_TYPES,
        "domain": {"name": CLOB_AUTH_DOMAIN_NAME, "version": "1", "chainId": chain_id},
        "message": {
            "address": address,
            "timestamp": timestamp,
            "nonce": nonce,
            "message": CLOB_AUTH_MESSAGE,
        },
    }
    try:
        return encode_typed_data(full_message=typed)
    except (ValueError, TypeError) as error:
        raise DataError(f"L1 headers do not encode: {error}") from None


def recover_l1_signer(
    address: str, timestamp: str, nonce: int, signature: str, chain_id: int
) -> str:
    """The address that signed L1 headers (``POLY_ADDRESS``, ``POLY_TIMESTAMP``,
    ``POLY_NONCE``, ``POLY_SIGNATURE``)."""
    return _recover(clob_auth_message(address, timestamp, nonce, chain_id), signature)


def l2_signature(secret: str, timestamp: str, method: str, path: str, body: str = "") -> str:
    """The L2 ``POLY_SIGNATURE`` of a request (``body``: the exact text sent, or "")."""
    try:
        key = base64.urlsafe_b64decode(secret)
    except (binascii.Error, ValueError):
        raise DataError("API secret is not base64url") from None
    message = f"{timestamp}{method}{path}"
    if body:
        message += body.replace("'", '"')
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()


def is_l2_signature_valid(
    secret: str, timestamp: str, method: str, path: str, body: str, signature: str
) -> bool:
    """Compare an L2 signature in constant time."""
    try:
        expected = l2_signature(secret, timestamp, method, path, body)
    except DataError:
        return False
    return hmac.compare_digest(expected.encode(), signature.encode())
