"""`io-keeper explorer`: the web page and the JSON API it reads, served on localhost.

Every figure comes from `NetworkReader` (the same read API as `io-keeper explore`); the page's
assets ship in `static/`, so nothing is fetched from the internet at run time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from solana.exceptions import SolanaRpcException
from solana.rpc.core import RPCException
from solders.pubkey import Pubkey

from keeper.client.idl import IdlError
from keeper.client.models import I64_MAX, Bytes32, Receipt
from keeper.explorer.read import NetworkReader
from keeper.explorer.tables import MAX_PAGE_SIZE, TABLES, QueryError

log = logging.getLogger("io-keeper.explorer")

STATIC_DIR = Path(__file__).with_name("static")
READER_KEY = web.AppKey("reader", NetworkReader)
RPC_URL_KEY = web.AppKey("rpc_url", str)
MAX_BODY_BYTES = 64 << 10
MAX_PROOF_LENGTH = 64  # a Merkle proof over 2^64 leaves; any longer is not a proof of ours
JS_SAFE_INTEGER = 2**53 - 1


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    page: int = Field(1, ge=1)
    per_page: int = Field(25, ge=1, le=MAX_PAGE_SIZE)


class ReceiptCheckRequest(BaseModel):
    """What `GET /receipts/{id}` of the keeper or `io-keeper prove --json` prints; other keys
    (the claimed root, status, ...) are ignored: the root is always read from chain."""

    model_config = ConfigDict(extra="ignore")
    receipt: Receipt
    sequence: int = Field(ge=0, le=I64_MAX)
    proof: list[Bytes32] = Field(max_length=MAX_PROOF_LENGTH)


def js_safe(value: Any) -> Any:
    """Integers a browser cannot hold exactly (u64 amounts, 5e17 base units of IO) as strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) > JS_SAFE_INTEGER:
        return str(value)
    if isinstance(value, dict):
        return {key: js_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [js_safe(item) for item in value]
    return value


def _json(document: Any, status: int = 200) -> web.Response:
    return web.json_response(js_safe(document), status=status, headers={"Cache-Control": "no-store"})


def _error(status: int, message: str, **extra: Any) -> web.Response:
    return _json({"error": message, **extra}, status)


def _validation_message(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}" for item in error.errors())


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bad input is the reader's to fix (400); an RPC that fails is the node's (502)."""
    try:
        return await handler(request)
    except QueryError as error:
        return _error(400, str(error))
    except web.HTTPRequestEntityTooLarge:
        return _error(413, f"request body over {MAX_BODY_BYTES} bytes")
    except ValidationError as error:
        return _error(400, _validation_message(error))
    except IdlError as error:
        return _error(502, f"the RPC node returned an account the IDLs cannot decode: {error}")
    except (SolanaRpcException, RPCException, httpx.HTTPError, OSError) as error:
        message = getattr(error, "error_msg", None) or str(error) or type(error).__name__
        log.warning("RPC read failed: %s", message)
        return _error(502, f"cannot read from the RPC node {request.app[RPC_URL_KEY]}: {message}")


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


async def info(request: web.Request) -> web.Response:
    tables = {
        kind: {
            "columns": list(table.columns),
            "filters": {name: {"field": f.field, "kind": f.kind, "choices": list(f.choices)} for name, f in table.filters.items()},
        }
        for kind, table in TABLES.items()
    }
    return _json({"rpc_url": request.app[RPC_URL_KEY], "tables": tables, "max_page_size": MAX_PAGE_SIZE})


async def totals(request: web.Request) -> web.Response:
    return _json(await request.app[READER_KEY].totals())


async def charts(request: web.Request) -> web.Response:
    return _json(await request.app[READER_KEY].charts())


async def table(request: web.Request) -> web.Response:
    query = PageQuery.model_validate(dict(request.query))
    filters = {key: value.strip() for key, value in request.query.items() if key not in PageQuery.model_fields}
    page = await request.app[READER_KEY].page(request.match_info["kind"], filters, query.page, query.per_page)
    return _json(page.as_json())


async def account(request: web.Request) -> web.Response:
    text = request.match_info["address"]
    try:
        address = Pubkey.from_string(text)
    except ValueError:
        return _error(400, f"{text!r} is not a base58 address")
    row = await request.app[READER_KEY].account(address)
    if row is None:
        return _error(404, f"{text} is not an account of the IO programs")
    return _json(row.as_json())


async def check_receipt(request: web.Request) -> web.Response:
    raw = await request.read()
    try:
        body = ReceiptCheckRequest.model_validate_json(raw)
    except ValidationError as error:
        return _error(400, f"not a receipt with its proof: {_validation_message(error)}")
    result = await request.app[READER_KEY].check_receipt(body.receipt, body.sequence, body.proof)
    return _json(result.as_json())


def build_app(reader: NetworkReader, rpc_url: str) -> web.Application:
    app = web.Application(middlewares=[errors], client_max_size=MAX_BODY_BYTES)
    app[READER_KEY] = reader
    app[RPC_URL_KEY] = rpc_url
    app.router.add_get("/", index)
    app.router.add_get("/api/info", info)
    app.router.add_get("/api/totals", totals)
    app.router.add_get("/api/charts", charts)
    app.router.add_get("/api/tables/{kind}", table)
    app.router.add_get("/api/accounts/{address}", account)
    app.router.add_post("/api/receipts/check", check_receipt)
    app.router.add_static("/static/", STATIC_DIR)
    return app


async def _warm_up(app: web.Application) -> AsyncIterator[None]:
    """Reads the network once at start, so the first visitor does not wait for 100,000 jobs."""

    async def warm() -> None:
        try:
            log.info("read the network in %.2f s (totals, charts, first jobs page)", await app[READER_KEY].warm())
        except Exception as error:  # the page will show the error when it asks
            log.warning("warm-up read failed: %s", error)

    task = asyncio.create_task(warm())
    yield
    task.cancel()


async def serve(reader: NetworkReader, rpc_url: str, host: str, port: int) -> web.AppRunner:
    app = build_app(reader, rpc_url)
    app.cleanup_ctx.append(_warm_up)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


__all__ = ["build_app", "js_safe", "serve"]
