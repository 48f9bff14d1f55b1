"""HTTP transport: JSON-RPC 2.0 over POST / (single and batch requests), GET /health."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from keeper.localnet.node.errors import INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR, RpcError
from keeper.localnet.node.service import RpcService

log = logging.getLogger(__name__)
SERVICE_KEY = web.AppKey("rpc_service", RpcService)
# Large enough for a batch of maximal transactions, small enough to refuse abuse.
MAX_REQUEST_BYTES = 1 << 20


def _error_response(request_id: Any, error: RpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "error": error.to_json(), "id": request_id}


def handle_one(service: RpcService, request: Any) -> dict[str, Any] | None:
    """Answers one request object; None for a notification (no id), which gets no reply."""
    if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" or not isinstance(request.get("method"), str):
        request_id = request.get("id") if isinstance(request, dict) else None
        return _error_response(request_id, RpcError(INVALID_REQUEST, "Invalid request"))
    request_id = request.get("id")
    try:
        result = service.call(request["method"], request.get("params"))
    except RpcError as error:
        response = _error_response(request_id, error)
    except Exception:  # a handler bug must not take the chain down; report it like a validator would
        log.exception("internal error in %s", request["method"])
        response = _error_response(request_id, RpcError(INTERNAL_ERROR, "Internal error"))
    else:
        response = {"jsonrpc": "2.0", "result": result, "id": request_id}
    return response if "id" in request else None


async def rpc_endpoint(http_request: web.Request) -> web.Response:
    service = http_request.app[SERVICE_KEY]
    try:
        payload = json.loads(await http_request.read())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return web.json_response(_error_response(None, RpcError(PARSE_ERROR, "Parse error")))
    # Handlers are synchronous and the event loop runs one at a time: the chain sees
    # requests strictly in order, with no locking needed.
    if isinstance(payload, list):
        if not payload:
            return web.json_response(_error_response(None, RpcError(INVALID_REQUEST, "Invalid request")))
        responses = [response for item in payload if (response := handle_one(service, item)) is not None]
        return web.json_response(responses) if responses else web.Response(status=204)
    response = handle_one(service, payload)
    return web.json_response(response) if response is not None else web.Response(status=204)


async def health_endpoint(http_request: web.Request) -> web.Response:
    return web.Response(text="ok")


def build_app(service: RpcService) -> web.Application:
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[SERVICE_KEY] = service
    app.router.add_post("/", rpc_endpoint)
    app.router.add_get("/health", health_endpoint)
    return app
