"""What every API family starts from: the transport, and the DingTalk host it sends to."""

from __future__ import annotations

from dataclasses import dataclass

from bot.dingtalk.transport import Transport


@dataclass(frozen=True)
class Host:
    """One DingTalk host as the client reaches it.

    Args:
        transport: sends the calls (token, rate limit, retries).
        url: the host's base URL: the new-style `https://api.dingtalk.com`, the old-style
            `https://oapi.dingtalk.com`, or the simulator.
    """

    transport: Transport
    url: str


class HostApi:
    """An API family on one host; subclasses build their calls on `self._url`."""

    def __init__(self, *, host: Host) -> None:
        self._transport = host.transport
        self._url = host.url


__all__ = ["Host", "HostApi"]
