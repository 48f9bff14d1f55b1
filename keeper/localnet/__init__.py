"""`io-keeper localnet`: a Solana JSON-RPC server on 127.0.0.1 backed by the in-process LiteSVM chain."""
