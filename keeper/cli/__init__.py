"""`io-keeper`: the command line on top of everything else — the daemon (`run`, `status`), the
localnet, the explorer (`explore`, `explorer`), `prove`, and the wallet commands (`wallet/`)."""
