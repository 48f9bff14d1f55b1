"""PubSub transport: JSON-RPC 2.0 over WebSocket, on the RPC port + 1 as validators serve it.

A notification is written to the client's socket in the commit that caused it when the
socket takes it (nothing waiting before it, the transport's buffer low): no task switch, so
a node busy with a hundred HTTP requests does not delay notifications behind them. Otherwise
it waits in the connection's outbox, bounded in bytes, for a writer task that respects the
socket's flow control; a client that stops reading lets its outbox fill, and at the bound it
is dropped with close code 1008 and the reason, instead of the node holding an ever-growing
backlog for it. Everyone else is unaffected: nothing waits on a slow client but its writer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import WSCloseCode, WSMsgType, web

from keeper.localnet.node.errors import INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR, RpcError
from keeper.localnet.node.memory import release_free_memory
from keeper.localnet.node.pubsub import PubSub

log = logging.getLogger(__name__)

# Subscribe requests are small; anything near this is not one (close code 1009).
MAX_INBOUND_MESSAGE_BYTES: Final = 64 * 1024
# Notifications a connection may have waiting before it is dropped as not reading.
MAX_OUTBOX_BYTES: Final = 8 * 1024 * 1024
# How long a dropped client gets to read what its socket still holds and the close frame
# behind it, before the socket is cut (what waits meanwhile is bounded: the writer's buffer).
CLOSE_TIMEOUT_SECS: Final = 30.0
RELEASE_DELAY_SECS: Final = 0.2
# Written at once while the socket's send buffer holds less than this; queued beyond it.
DIRECT_WRITE_BUFFER_BYTES: Final = 64 * 1024


@dataclass(frozen=True)
class Limits:
    max_inbound_message_bytes: int = MAX_INBOUND_MESSAGE_BYTES
    max_outbox_bytes: int = MAX_OUTBOX_BYTES


class Connection:
    """One WebSocket client: its outbox and writer (`send` is what PubSub calls)."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, pubsub: PubSub, limits: Limits) -> None:
        self.ws = ws
        self.request = request
        self.pubsub = pubsub
        self.limits = limits
        self._outbox: deque[str] = deque()
        self._outbox_bytes = 0
        self._ready = asyncio.Event()
        self.dropped_reason: str | None = None
        self._writer = asyncio.create_task(self._write())
        self._closing: asyncio.Task[None] | None = None

    # Subscriptions are keyed by connection; identity is what matters.
    __hash__ = object.__hash__

    def send(self, message: str) -> None:
        if self.dropped_reason is not None:
            return
        size = len(message)
        # One message is always taken (an account of 10 MiB makes a notification larger than
        # the bound); beyond that, a client whose backlog passes the bound is not reading.
        if self._outbox and self._outbox_bytes + size > self.limits.max_outbox_bytes:
            self._drop(f"outbox over {self.limits.max_outbox_bytes} bytes: the client is not reading its notifications")
            return
        transport = self.request.transport
        if not self._outbox and not self.ws.closed and transport is not None and not transport.is_closing():
            if transport.get_write_buffer_size() < DIRECT_WRITE_BUFFER_BYTES:
                # Everything before it is in the transport already (the outbox is empty), so
                # order holds; one write call, so no frame of the writer task can split it.
                transport.write(text_frame(message.encode()))
                return
        self._outbox.append(message)
        self._outbox_bytes += size
        self._ready.set()

    async def _write(self) -> None:
        while True:
            await self._ready.wait()
            self._ready.clear()
            while self._outbox:
                message = self._outbox.popleft()
                self._outbox_bytes -= len(message)
                try:
                    await self.ws.send_str(message)
                except ConnectionError:
                    return  # the connection is going away; its handler cleans up

    def _drop(self, reason: str) -> None:
        """Frees the backlog now; the subscriptions end and the socket closes as soon as the loop can."""
        self.dropped_reason = reason
        self._outbox.clear()
        self._outbox_bytes = 0
        log.warning("pubsub: dropping a client: %s", reason)
        # Not synchronously: PubSub may be iterating its subscriptions right now.
        asyncio.get_running_loop().call_soon(self.pubsub.drop, self)
        # Kept: the loop holds tasks only weakly.
        self._closing = asyncio.create_task(self._close(WSCloseCode.POLICY_VIOLATION, reason))

    async def _close(self, code: int, reason: str) -> None:
        self._writer.cancel()
        try:
            await asyncio.wait_for(self.ws.close(code=code, message=reason.encode()[:120]), CLOSE_TIMEOUT_SECS)
        except (TimeoutError, ConnectionError):
            pass
        transport = self.request.transport
        if transport is not None and not transport.is_closing():
            transport.abort()

    async def stop(self) -> None:
        self._writer.cancel()
        self.pubsub.drop(self)

    # --- requests -------------------------------------------------------------------------

    def handle_text(self, text: str) -> None:
        try:
            payload = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError):
            self._reply(_error(None, RpcError(PARSE_ERROR, "Parse error")))
            return
        if isinstance(payload, list):
            if not payload:
                self._reply(_error(None, RpcError(INVALID_REQUEST, "Invalid request")))
                return
            # A batch: answers in one array, then whatever the new subscriptions notify at once.
            answers = [self._answer(item) for item in payload]
            responses = [response for response, _ in answers if response is not None]
            if responses:
                self._reply(responses)
            for _, subscription in answers:
                if subscription is not None:
                    self.pubsub.start(subscription)
            return
        response, subscription = self._answer(payload)
        if response is not None:
            self._reply(response)
        if subscription is not None:
            self.pubsub.start(subscription)

    def _answer(self, request: Any) -> tuple[dict[str, Any] | None, Any]:
        if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" or not isinstance(request.get("method"), str):
            request_id = request.get("id") if isinstance(request, dict) else None
            return _error(request_id, RpcError(INVALID_REQUEST, "Invalid request")), None
        request_id = request.get("id")
        try:
            result, subscription = self.pubsub.call(self, request["method"], request.get("params"))
        except RpcError as error:
            return _error(request_id, error), None
        except Exception:  # a handler bug must not take the node down
            log.exception("pubsub: internal error in %s", request["method"])
            return _error(request_id, RpcError(INTERNAL_ERROR, "Internal error")), None
        return {"jsonrpc": "2.0", "result": result, "id": request_id}, subscription

    def _reply(self, response: Any) -> None:
        self.send(json.dumps(response, separators=(",", ":")))


def text_frame(payload: bytes) -> bytes:
    """One unmasked, final text frame (RFC 6455 5.2), as a server sends it."""
    length = len(payload)
    if length < 126:
        header = bytes((0x81, length))
    elif length < 1 << 16:
        header = bytes((0x81, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + length.to_bytes(8, "big")
    return header + payload


def _error(request_id: Any, error: RpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "error": error.to_json(), "id": request_id}


PUBSUB_KEY = web.AppKey("pubsub", PubSub)
LIMITS_KEY = web.AppKey("pubsub_limits", Limits)


async def websocket_endpoint(request: web.Request) -> web.StreamResponse:
    limits = request.app[LIMITS_KEY]
    # autoping: pings from clients (web3.js, solana-py's websockets) are answered by aiohttp.
    ws = web.WebSocketResponse(max_msg_size=limits.max_inbound_message_bytes, autoping=True, compress=False)
    if not ws.can_prepare(request).ok:
        return web.Response(status=400, text="this port serves the Solana PubSub WebSocket; JSON-RPC over HTTP is on the port below it\n")
    await ws.prepare(request)
    connection = Connection(ws, request, request.app[PUBSUB_KEY], limits)
    try:
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                connection.handle_text(message.data)
            elif message.type == WSMsgType.BINARY:
                connection.handle_text(message.data.decode("utf-8", errors="replace"))
            elif message.type == WSMsgType.ERROR:
                # Oversized or malformed frames: aiohttp has already closed with 1009 / 1002.
                log.info("pubsub: client closed on error: %s", ws.exception())
                break
    finally:
        await connection.stop()
        if connection.dropped_reason is not None:
            # Rare (a client that stopped reading), and its buffers were megabytes: once the
            # connection's objects are gone, hand the memory back.
            asyncio.get_running_loop().call_later(RELEASE_DELAY_SECS, release_free_memory)
    return ws


def build_pubsub_app(pubsub: PubSub, limits: Limits | None = None) -> web.Application:
    app = web.Application()
    app[PUBSUB_KEY] = pubsub
    app[LIMITS_KEY] = limits or Limits()
    app.router.add_get("/", websocket_endpoint)
    app.router.add_get("/{tail:.*}", websocket_endpoint)
    return app
