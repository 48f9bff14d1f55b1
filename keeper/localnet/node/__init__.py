"""The localnet node: the chain (LiteSVM), its JSON-RPC server and its PubSub WebSocket.

This package runs in the chain environment (solders with the current Agave runtime) and
imports nothing of `keeper` outside itself; everything else talks to it over JSON-RPC (HTTP
on the node's port) and PubSub (WebSocket on the port above it), as to a validator.

    chain.py     LiteSVM plus a validator's bookkeeping (history, indexes, blocks, observers)
    blocks.py    the blocks getBlock / getBlocks / slot notifications report
    service.py   the core JSON-RPC methods; reads.py the token, block and cluster reads
    pubsub.py    subscriptions and the notifications commits make; websocket.py their transport
    server.py    the HTTP transport; params.py the pydantic models of every method's params
    encoding.py, parsed.py, filters.py, errors.py   wire formats, jsonParsed, filters, error codes
    dev.py       the `localnet_*` development methods; clock.py the scaled clock
"""
