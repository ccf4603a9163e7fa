"""Chat session ids the server issues and signs, so a client can only resume its own session.

Owns the token format ``<conversation id>.<signature>``: the conversation id (Rasa's sender id)
is 32 random hex digits; the signature is an HMAC-SHA256 of it under ``SESSION_SECRET``. A
client that names an id it was not given (someone else's conversation, or one it made up)
gets a new conversation instead. Several Rasa servers share the secret, so a patient whose
socket moves to another server keeps the conversation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEX = 32


class SessionSigner:
    """Issues and checks signed session tokens under one secret."""

    def __init__(self, secret: str | None) -> None:
        # no secret configured (development): one per process, so tokens die with the server
        self._key = (secret or secrets.token_hex(32)).encode()

    def issue(self) -> str:
        """A new token for a new conversation."""
        return self._sign(secrets.token_hex(16))

    def conversation_id(self, token: object) -> str | None:
        """The conversation id in ``token`` when the signature is ours, else None."""
        if not isinstance(token, str) or token.count(".") != 1 or len(token) > 100:
            return None
        conversation, _, _ = token.partition(".")
        if not conversation or not hmac.compare_digest(self._sign(conversation), token):
            return None
        return conversation

    def _sign(self, conversation: str) -> str:
        digest = hmac.new(self._key, conversation.encode(), hashlib.sha256).hexdigest()
        return f"{conversation}.{digest[:SIGNATURE_HEX]}"
