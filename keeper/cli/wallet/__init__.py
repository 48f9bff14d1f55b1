"""Wallet commands of `io-keeper`: renters (`job`), node operators (`node`, `job start|complete`)
and stakers (`stake`, `unstake`, `withdraw`, `positions`, `claim-rewards`)."""
