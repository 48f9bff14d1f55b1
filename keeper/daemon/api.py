"""HTTP: receipts and node work in, proofs out (API port); /metrics, /health, /ready, /status (metrics port)."""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from aiohttp import web
from pydantic import ValidationError
from solders.pubkey import Pubkey

from keeper.client.merkle import MerkleTree
from keeper.client.models import NodeWork, Receipt
from keeper.daemon.journal import EpochFrozen
from keeper.daemon.tasks import KeeperContext, merkle_root, reward_tree

CONTEXT_KEY = web.AppKey("keeper_context", KeeperContext)
PROOFS_KEY = web.AppKey("proof_cache", OrderedDict)
MAX_BODY_BYTES = 16 << 20
MAX_ITEMS_PER_POST = 50_000
TREE_CACHE = 32


def _items(payload: Any) -> list[Any]:
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict) and isinstance(payload.get("items"), list):
        return list(payload["items"])
    return [payload]


async def _body(request: web.Request) -> list[Any]:
    raw = await request.read()
    text = raw.decode(errors="replace")
    try:
        if request.content_type == "application/x-ndjson":
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            items = _items(json.loads(text))
    except json.JSONDecodeError as error:
        raise web.HTTPBadRequest(text=json.dumps({"error": f"invalid JSON: {error}"}), content_type="application/json") from None
    if len(items) > MAX_ITEMS_PER_POST:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_ITEMS_PER_POST, actual_size=len(items))
    return items


def _invalid(error: ValidationError, index: int) -> web.HTTPUnprocessableEntity:
    problems = [{"item": index, "field": ".".join(str(p) for p in item["loc"]), "error": item["msg"]} for item in error.errors()]
    return web.HTTPUnprocessableEntity(text=json.dumps({"error": "invalid item", "problems": problems}), content_type="application/json")


async def post_receipts(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT_KEY]
    receipts = []
    for index, item in enumerate(await _body(request)):
        try:
            receipts.append(Receipt.model_validate(item))
        except ValidationError as error:
            raise _invalid(error, index) from None
    # Committed (fsync) before the answer: an acknowledged receipt survives kill -9.
    added = ctx.journal.add_receipts(receipts)
    ctx.metrics.inc("receipts_ingested_total", added, source="http")
    ctx.metrics.inc("receipts_duplicate_total", len(receipts) - added)
    return web.json_response({"accepted": len(receipts), "new": added, "ids": [r.receipt_id for r in receipts]}, status=202)


def _tree(request: web.Request, key: tuple[str, int], build: Callable[[], MerkleTree]) -> MerkleTree:
    cache = request.app[PROOFS_KEY]
    tree: MerkleTree | None = cache.get(key)
    if tree is None:
        tree = build()
        cache[key] = tree
        while len(cache) > TREE_CACHE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return tree


def receipt_proof(ctx: KeeperContext, receipt_id: str, cache: OrderedDict[Any, MerkleTree] | None = None) -> dict[str, Any] | None:
    stored = ctx.journal.receipt(receipt_id)
    if stored is None:
        return None
    answer: dict[str, Any] = {"id": receipt_id.lower(), "receipt": stored.receipt.model_dump(mode="json"), "status": "pending"}
    if stored.batch_id is None:
        return answer
    batch = ctx.journal.batch(stored.batch_id)
    assert batch is not None
    key = ("batch", batch.id)
    tree = cache.get(key) if cache is not None else None
    if tree is None:
        tree = MerkleTree.build(ctx.journal.batch_leaves(batch.id))
        if cache is not None:
            cache[key] = tree
            while len(cache) > TREE_CACHE:
                cache.popitem(last=False)
    answer.update(
        {
            "status": batch.status,
            "sequence": batch.sequence,
            "root": batch.root.hex(),
            "leaf_index": stored.leaf_index,
            "leaf_count": batch.leaf_count,
            "proof": [sibling.hex() for sibling in tree.proof(stored.leaf_index or 0)],
            "signature": batch.signature,
        }
    )
    return answer


async def get_receipt(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT_KEY]
    answer = receipt_proof(ctx, request.match_info["receipt_id"], request.app[PROOFS_KEY])
    if answer is None:
        raise web.HTTPNotFound(text=json.dumps({"error": "unknown receipt"}), content_type="application/json")
    return web.json_response(answer)


async def post_work(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT_KEY]
    records = []
    for index, item in enumerate(await _body(request)):
        try:
            records.append(NodeWork.model_validate(item))
        except ValidationError as error:
            raise _invalid(error, index) from None
    try:
        stored = ctx.journal.add_work(records)
    except EpochFrozen as error:
        raise web.HTTPConflict(text=json.dumps({"error": str(error)}), content_type="application/json") from None
    ctx.metrics.inc("work_records_total", stored)
    return web.json_response({"accepted": stored}, status=202)


async def get_reward_proof(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT_KEY]
    try:
        epoch = int(request.match_info["epoch"])
        node = bytes(Pubkey.from_string(request.match_info["node"]))
    except ValueError:
        raise web.HTTPBadRequest(text=json.dumps({"error": "epoch must be an integer and node a base58 address"}), content_type="application/json") from None
    row = ctx.journal.epoch(epoch)
    if row is None or row.status not in {"pending", "posted"}:
        raise web.HTTPNotFound(text=json.dumps({"error": "no root for this epoch (yet)"}), content_type="application/json")
    leaves = ctx.journal.epoch_leaves(epoch)
    index = next((i for i, (leaf_node, _) in enumerate(leaves) if leaf_node == node), None)
    if index is None:
        raise web.HTTPNotFound(text=json.dumps({"error": "this node has no reward in this epoch"}), content_type="application/json")
    tree = _tree(request, ("epoch", epoch), lambda: reward_tree(epoch, leaves))
    return web.json_response(
        {
            "epoch": epoch,
            "node": str(Pubkey.from_bytes(node)),
            "amount": leaves[index][1],
            "status": row.status,
            "root": row.root.hex(),
            "proof": [sibling.hex() for sibling in tree.proof(index)],
        }
    )


def status_document(ctx: KeeperContext) -> dict[str, Any]:
    metrics = ctx.metrics
    return {
        "keeper": str(ctx.keypair.pubkey()),
        "rpc_url": ctx.config.rpc.redacted_url,
        "time": time.time(),
        "tasks": {name: {"last_tick": tick, "error": ctx.last_error.get(name)} for name, tick in sorted(ctx.last_tick.items())},
        "emission": {
            "next_hour": int(metrics.value("emission_next_hour")),
            "hours_behind": int(metrics.value("emission_hours_behind")),
            "schedule_matches": bool(metrics.value("emission_schedule_matches")),
        },
        "settlement": {
            "jobs_settled": int(metrics.total("jobs_settled_total")),
            "transactions": int(metrics.total("settle_transactions_total")),
            "completed_pending": int(metrics.value("jobs_completed_pending")),
            "timed_out": int(metrics.value("jobs_timed_out")),
        },
        "journal": ctx.journal.summary(),
    }


async def health(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT_KEY]
    stale = {name: tick for name, tick in ctx.last_tick.items() if time.time() - tick > 120}
    healthy = not stale and not ctx.stopping.is_set()
    body = {"status": "ok" if healthy else "degraded", "stale_tasks": sorted(stale), "errors": dict(ctx.last_error)}
    return web.json_response(body, status=200 if healthy else 503)


async def ready(request: web.Request) -> web.Response:
    """Readiness: the RPC node is reachable and not behind, the fee payer is above its stop
    threshold, and no task has failed every tick for longer than `http.ready_max_failing_secs`."""
    ctx = request.app[CONTEXT_KEY]
    now = time.time()
    bound = ctx.config.http.ready_max_failing_secs
    failing = {name: round(now - since, 1) for name, since in ctx.failing_since.items() if now - since > bound}
    rpc_healthy = await ctx.gateway.healthy()
    is_ready = rpc_healthy and not failing and not ctx.fee_payer_short and not ctx.stopping.is_set()
    body = {
        "ready": is_ready,
        "rpc_healthy": rpc_healthy,
        "failing_tasks": failing,
        "fee_payer_lamports": ctx.fee_payer_lamports,
        "fee_payer_short": ctx.fee_payer_short,
        "errors": dict(ctx.last_error),
    }
    return web.json_response(body, status=200 if is_ready else 503)


async def metrics(request: web.Request) -> web.Response:
    return web.Response(text=request.app[CONTEXT_KEY].metrics.render(), content_type="text/plain", charset="utf-8")


async def status(request: web.Request) -> web.Response:
    return web.json_response(status_document(request.app[CONTEXT_KEY]))


def api_app(ctx: KeeperContext) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[CONTEXT_KEY] = ctx
    app[PROOFS_KEY] = OrderedDict()
    app.router.add_post("/receipts", post_receipts)
    app.router.add_get("/receipts/{receipt_id}", get_receipt)
    app.router.add_post("/work", post_work)
    app.router.add_get("/rewards/{epoch}/{node}", get_reward_proof)
    app.router.add_get("/health", health)
    return app


def metrics_app(ctx: KeeperContext) -> web.Application:
    app = web.Application()
    app[CONTEXT_KEY] = ctx
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    app.router.add_get("/status", status)
    return app


__all__ = ["api_app", "metrics_app", "receipt_proof", "status_document", "merkle_root"]
