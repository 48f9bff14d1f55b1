"""The localnet node: the chain (LiteSVM) and its JSON-RPC server.

This package runs in the chain environment (solders with the current Agave runtime) and
imports nothing of `keeper` outside itself; everything else talks to it over JSON-RPC.
"""
