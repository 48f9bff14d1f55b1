"""tests/node runs in the chain environment (`.venv-chain/bin/pytest tests/node`): the node's
chain in process, on the runtime solders 0.29 embeds."""
