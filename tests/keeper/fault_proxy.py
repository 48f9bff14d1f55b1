"""A JSON-RPC proxy on 127.0.0.1 that injects faults between the keeper and the localnet.

Faults (seeded, per request): HTTP 429 without forwarding; a timeout (forwarded, answer
withheld longer than the client waits, so the client cannot know whether it landed);
sendTransaction dropped (a success answer with the signature, never forwarded); and
sendTransaction refused with "Blockhash not found" (an expired blockhash); reads answered with a
JSON-RPC error object (-32005, node behind) or with a 200 that is not JSON (a gateway's error
page); a 429 carries Retry-After: 1. Stops by itself
after --max-runtime seconds. Run: python -m tests.keeper.fault_proxy --upstream URL --port N
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
from collections import Counter

import aiohttp
from aiohttp import web
from solders.transaction import VersionedTransaction

COUNTS_KEY = web.AppKey("counts", Counter)


def _signature(params: list) -> str:
    raw = base64.b64decode(params[0]) if len(params) > 1 and params[1].get("encoding") == "base64" else None
    if raw is None:
        import based58

        raw = based58.b58decode(params[0].encode())
    return str(VersionedTransaction.from_bytes(raw).signatures[0])


def build(upstream: str, seed: int, rates: dict[str, float], hold_secs: float) -> web.Application:
    rng = random.Random(seed)
    counts: Counter = Counter()
    session: dict[str, aiohttp.ClientSession] = {}

    async def forward(body: bytes) -> bytes:
        if "s" not in session:
            session["s"] = aiohttp.ClientSession()
        async with session["s"].post(upstream, data=body, headers={"Content-Type": "application/json"}) as response:
            return await response.read()

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        payload = json.loads(body)
        method = payload.get("method") if isinstance(payload, dict) else "batch"
        roll = rng.random()
        if roll < rates["rate_limit"]:
            counts["429"] += 1
            return web.Response(status=429, text="Too Many Requests", headers={"Retry-After": "1"})
        roll -= rates["rate_limit"]
        if method not in {"sendTransaction", "batch"}:
            if roll < rates["node_behind"]:
                counts["node_behind"] += 1
                error = {"code": -32005, "message": "Node is behind by 50 slots", "data": {"numSlotsBehind": 50}}
                return web.json_response({"jsonrpc": "2.0", "id": payload["id"], "error": error})
            roll -= rates["node_behind"]
            if roll < rates["not_json"]:
                counts["not_json"] += 1
                return web.Response(status=200, text="<html><body>502 Bad Gateway</body></html>", content_type="text/html")
            roll -= rates["not_json"]
        if method == "sendTransaction":
            if roll < rates["drop"]:
                counts["dropped"] += 1
                return web.json_response({"jsonrpc": "2.0", "id": payload["id"], "result": _signature(payload["params"])})
            roll -= rates["drop"]
            if roll < rates["expired"]:
                counts["expired"] += 1
                return web.json_response(
                    {
                        "jsonrpc": "2.0",
                        "id": payload["id"],
                        "error": {
                            "code": -32002,
                            "message": "Transaction simulation failed: Blockhash not found",
                            "data": {
                                "err": "BlockhashNotFound",
                                "logs": [],
                                "accounts": None,
                                "unitsConsumed": 0,
                                "returnData": None,
                                "innerInstructions": None,
                                "replacementBlockhash": None,
                            },
                        },
                    }
                )
            roll -= rates["expired"]
        if roll < rates["timeout"]:
            counts["timeout"] += 1
            answer = await forward(body)  # it happened upstream; the client just never hears
            await asyncio.sleep(hold_secs)
            return web.Response(body=answer, content_type="application/json")
        counts["forwarded"] += 1
        return web.Response(body=await forward(body), content_type="application/json")

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(dict(counts))

    async def close(app: web.Application) -> None:
        if "s" in session:
            await session["s"].close()

    app = web.Application()
    app[COUNTS_KEY] = counts
    app.router.add_post("/", handle)
    app.router.add_get("/stats", stats)
    app.on_cleanup.append(close)
    return app


async def serve(args: argparse.Namespace) -> None:
    rates = {
        "rate_limit": args.rate_limit,
        "drop": args.drop,
        "expired": args.expired,
        "timeout": args.timeout,
        "node_behind": args.node_behind,
        "not_json": args.not_json,
    }
    runner = web.AppRunner(build(args.upstream, args.seed, rates, args.hold_secs), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    print(f"fault proxy ready on 127.0.0.1:{args.port}", flush=True)
    try:
        await asyncio.sleep(args.max_runtime)
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate-limit", type=float, default=0.08)
    parser.add_argument("--drop", type=float, default=0.2)
    parser.add_argument("--expired", type=float, default=0.1)
    parser.add_argument("--timeout", type=float, default=0.03)
    parser.add_argument("--node-behind", type=float, default=0.0)
    parser.add_argument("--not-json", type=float, default=0.0)
    parser.add_argument("--hold-secs", type=float, default=2.0)
    parser.add_argument("--max-runtime", type=float, default=600)
    args = parser.parse_args()
    if not args.upstream.startswith("http://127.0.0.1:"):
        parser.error("the upstream must be a loopback localnet")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
