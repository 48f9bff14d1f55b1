"""The SDK wallets and tools build on: what a renter, operator or staker needs to form and read
the programs' instructions and accounts, without the keeper daemon."""
