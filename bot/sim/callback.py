"""The simulator's side of DingTalk's HTTP event callback: it encrypts and signs a push the way
DingTalk does and POSTs it to the registered URL, then checks the encrypted "success" answer.

Written apart from roombot's receiver (bot/dingtalk/callback.py) on purpose: the simulator is
the independent party, so a mistake in one shows up against the other.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import time
from typing import Any

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def _sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def encrypt_push(message: dict[str, Any], *, aes_key: str, owner_key: str) -> str:
    key = base64.b64decode(aes_key + "=")
    text = json.dumps(message, ensure_ascii=False).encode()
    plain = os.urandom(16) + struct.pack(">I", len(text)) + text + owner_key.encode()
    padding = 32 - len(plain) % 32
    plain += bytes([padding]) * padding
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt_answer(encrypt: str, *, aes_key: str) -> str:
    key = base64.b64decode(aes_key + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypt)) + decryptor.finalize()
    plain = plain[: -plain[-1]]
    (length,) = struct.unpack(">I", plain[16:20])
    return plain[20 : 20 + length].decode()


def push(url: str, message: dict[str, Any], *, token: str, aes_key: str, owner_key: str) -> dict[str, Any]:
    """POST one push; returns {"status", "acknowledged"} (acknowledged: a valid encrypted "success")."""
    timestamp = str(int(time.time() * 1000))
    nonce = base64.b32encode(os.urandom(5)).decode().lower()
    encrypt = encrypt_push(message, aes_key=aes_key, owner_key=owner_key)
    params = {"signature": _sign(token, timestamp, nonce, encrypt), "timestamp": timestamp, "nonce": nonce}
    try:
        reply = httpx.post(url, params=params, json={"encrypt": encrypt}, timeout=10)
    except httpx.HTTPError as exc:
        return {"status": 0, "acknowledged": False, "error": type(exc).__name__}
    acknowledged = False
    if reply.status_code == 200:
        try:
            answer = reply.json()
            signed = answer["msg_signature"] == _sign(token, answer["timeStamp"], answer["nonce"], answer["encrypt"])
            acknowledged = signed and decrypt_answer(answer["encrypt"], aes_key=aes_key) == "success"
        except (ValueError, KeyError, TypeError):
            acknowledged = False
    return {"status": reply.status_code, "acknowledged": acknowledged}


__all__ = ["push"]
