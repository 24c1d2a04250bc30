"""DingTalk's HTTP event callback: checking the signature of a push and decrypting it, and the
encrypted "success" reply DingTalk expects.

A push is `POST <callback URL>?signature=…&timestamp=…&nonce=…` with `{"encrypt": "<base64>"}`.
The signature is the SHA-1 of the sorted concatenation of the callback token, timestamp, nonce and
the ciphertext. The ciphertext is AES-256-CBC under the 43-character `aes_key` (base64 without its
`=`), the IV being the key's first 16 bytes, padded PKCS#7 to 32 bytes. The plaintext is 16 random
bytes, the message length (4 bytes, big-endian), the JSON message, and the key of its owner (the
suite key for a third-party app, the corp id or app key for an internal one).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.errors import CallbackRejected

BLOCK = 32


class CallbackCrypto:
    """Signature check, decryption and reply encryption for one app's callback settings."""

    def __init__(
        self, *, token: str, aes_key: str, owner_key: str, random_bytes: Callable[[int], bytes] = os.urandom
    ) -> None:
        try:
            key = base64.b64decode(aes_key + "=", validate=True)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ValueError("the callback AES key must be 43 characters of base64 (32 bytes)")
        self._token = token
        self._key = key
        self._owner_key = owner_key
        self._random_bytes = random_bytes

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return hashlib.sha1("".join(sorted([self._token, timestamp, nonce, encrypt])).encode()).hexdigest()

    def decrypt(self, *, signature: str, timestamp: str, nonce: str, encrypt: str) -> dict[str, Any]:
        """The push's JSON message.

        Raises:
            CallbackRejected: a wrong signature, a ciphertext that does not decrypt, or a message
                meant for another app.
        """
        if not hmac.compare_digest(self.signature(timestamp, nonce, encrypt), signature):
            raise CallbackRejected("signature")
        try:
            data = base64.b64decode(encrypt, validate=True)
            decryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).decryptor()
            plain = decryptor.update(data) + decryptor.finalize()
        except ValueError:
            raise CallbackRejected("ciphertext") from None
        pad = plain[-1] if plain else 0
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CallbackRejected("padding")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise CallbackRejected("length")
        (length,) = struct.unpack(">I", plain[16:20])
        message, owner = plain[20 : 20 + length], plain[20 + length :]
        if len(message) != length or owner.decode(errors="replace") != self._owner_key:
            raise CallbackRejected("owner")
        try:
            parsed = json.loads(message)
        except ValueError:
            raise CallbackRejected("json") from None
        if not isinstance(parsed, dict):
            raise CallbackRejected("json")
        return parsed

    def reply(self, text: str, *, timestamp: str, nonce: str) -> dict[str, str]:
        """The encrypted answer to a push (DingTalk wants the text "success")."""
        body = text.encode()
        plain = self._random_bytes(16) + struct.pack(">I", len(body)) + body + self._owner_key.encode()
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).encryptor()
        encrypt = base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
        return {
            "msg_signature": self.signature(timestamp, nonce, encrypt),
            "timeStamp": timestamp,
            "nonce": nonce,
            "encrypt": encrypt,
        }


__all__ = ["CallbackCrypto"]
