"""Web hardening: body limit, allowed hosts, security headers, client addresses behind proxies, bearer
tokens and per-client limits on heavy job starts.

Security model
--------------
* **Hosts.** Only requests whose ``Host`` header names an allowed host are served (default: the loopback
  names ``localhost``, ``127.0.0.1``, ``::1``); anything else gets 400. A DNS-rebinding page, whose
  requests carry the attacker's host name, is refused before any route runs.
* **Client address.** The peer address of the TCP connection, unless that peer is one of the operator's
  ``trusted_proxies``: then the right-most address of ``X-Forwarded-For`` that is not itself a trusted
  proxy. A request that carries forwarding headers (``Forwarded``, ``X-Forwarded-For``, ``X-Real-IP``)
  from a peer that is *not* a trusted proxy is treated as remote: behind an unconfigured local reverse
  proxy every client needs the token (instead of every client counting as local).
* **Reads** are open to local clients; remote clients need the token. **Writes** always need
  ``Authorization: Bearer <token>`` (``TRADETALKS_API_TOKEN``); compared in constant time.
* **Headers.** Every answer carries a Content-Security-Policy without inline scripts
  (``script-src 'self'``; the UI loads ``/static/app.js`` and the bundled plotly), ``frame-ancestors
  'none'``, ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``,
  ``X-Frame-Options: DENY`` and ``Cross-Origin-Opener-Policy: same-origin``.
* **Bodies** above :data:`MAX_BODY` bytes get 413 (by header or by count).
* **Heavy job starts** (simulations, frontiers, wars, bargaining) are limited per client by a token
  bucket (:class:`RateLimiter`); beyond it, 429 with ``Retry-After``.
"""

from __future__ import annotations

import hmac
import ipaddress
import threading
import time
from collections.abc import Iterable, Sequence

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradetalks.errors import ServiceLimitError

MAX_BODY = 64 * 1024
"""Largest request body, bytes."""
LOOPBACK_HOSTS: tuple[str, ...] = ("localhost", "127.0.0.1", "::1", "[::1]")
"""Default allowed ``Host`` names."""
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


def _json_answer(status: int, error: str, detail: str) -> tuple[dict[str, object], bytes]:
    import json

    body = json.dumps({"error": error, "detail": detail}).encode()
    start: dict[str, object] = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }
    return start, body


async def _answer(send: Send, status: int, error: str, detail: str) -> None:
    start, body = _json_answer(status, error, detail)
    await send(start)  # type: ignore[arg-type]
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """ASGI middleware refusing request bodies above ``limit`` bytes with 413 (by header or by count)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        detail = f"expected a request body of at most {self.limit} bytes"
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    n = int(v)
                except ValueError:
                    n = self.limit + 1
                if n > self.limit:
                    await _answer(send, 413, "request body too large", detail)
                    return
        chunks: list[bytes] = []
        seen = 0
        while True:
            msg = await receive()
            if msg["type"] != "http.request":
                break
            chunk = msg.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await _answer(send, 413, "request body too large", detail)
                return
            chunks.append(chunk)
            if not msg.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _host_name(host_header: str) -> str:
    h = host_header.strip().lower()
    if h.startswith("["):
        return h[: h.find("]") + 1] if "]" in h else h
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


class HostAndHeaders:
    """ASGI middleware: refuse unknown ``Host`` names (400) and add the security headers to every answer."""

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str] = LOOPBACK_HOSTS) -> None:
        self.app = app
        self.allowed = {h.lower() for h in allowed_hosts}
        self.any_host = "*" in self.allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _host_name(Headers(scope=scope).get("host", ""))
        if not self.any_host and host not in self.allowed:

            async def send_hardened(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
                await send(message)

            await _answer(
                send_hardened,
                400,
                "host not allowed",
                f"expected a Host header naming one of {sorted(self.allowed)}; found {host[:100]!r} "
                "(start the service with --allowed-host NAME to serve another name)",
            )
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in have]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _ip(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    t = text.strip().strip('"')
    if t.startswith("[") and "]" in t:
        t = t[1 : t.index("]")]
    elif t.count(":") == 1:
        t = t.split(":", 1)[0]
    try:
        return ipaddress.ip_address(t)
    except ValueError:
        return None


class ClientPolicy:
    """Who a request comes from, given the operator's trusted proxies (see the module docstring)."""

    def __init__(self, trusted_proxies: Iterable[str] = ()) -> None:
        self.proxies = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def _trusted(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        return ip is not None and any(ip in net for net in self.proxies)

    def client(self, peer: str | None, headers: Headers) -> tuple[str, bool]:
        """``(address, local)`` of the client; ``local`` is true only for a loopback client seen directly
        or through a trusted proxy."""
        ip = _ip(peer)
        forwarded = any(h in headers for h in FORWARDING_HEADERS)
        if self._trusted(ip) and "x-forwarded-for" in headers:
            hops = [_ip(h) for h in headers.get("x-forwarded-for", "").split(",")]
            for hop in reversed(hops):
                if hop is None:
                    return "unknown", False
                if not self._trusted(hop):
                    return str(hop), hop.is_loopback
            return str(ip), bool(ip and ip.is_loopback)
        if ip is None:
            return peer or "unknown", False
        return str(ip), ip.is_loopback and not forwarded


def token_matches(given: str | None, token: str) -> bool:
    """Constant-time comparison of a bearer token."""
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


class RateLimiter:
    """Token bucket per client: ``burst`` starts at once, refilled at ``per_minute`` a minute.

    Thread-safe; keeps at most ``max_clients`` buckets (the oldest are dropped).
    """

    def __init__(self, per_minute: float = 30.0, burst: int = 6, max_clients: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str, what: str = "job starts") -> None:
        """Spend one token of ``client`` or raise :class:`ServiceLimitError` (429) with the wait."""
        now = time.monotonic()
        with self._lock:
            level, last = self._buckets.pop(client, (self.burst, now))
            level = min(self.burst, level + (now - last) * self.rate)
            if level < 1.0:
                self._buckets[client] = (level, now)
                wait = (1.0 - level) / self.rate if self.rate > 0 else 60.0
                exc = ServiceLimitError(
                    f"{what}: expected at most {self.burst:g} at once and {60 * self.rate:g} a minute per "
                    f"client; found more from {client} (retry in {wait:.0f} s)"
                )
                exc.retry_after = max(1, int(wait + 0.999))  # type: ignore[attr-defined]
                raise exc
            self._buckets[client] = (level - 1.0, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.pop(next(iter(self._buckets)))
