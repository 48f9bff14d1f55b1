"""The SDK everything else builds on (it imports nothing of keeper outside itself):

constants, addresses, spl   the protocol's numbers, seeds, program ids, PDAs; SPL Token ids and sizes
idl, layout, errors         IDLs (installed with the package), the one account decoder, program errors by program id
escrow, staking, rewards, provenance   instruction builders (PDAs and fixed accounts filled in), quotes, views
protocol                    the four programs together: the keeper's and the explorer's reads and instructions
merkle, schedule, fees      bit-exact with io_common
models, keys, clock         receipts and node work (pydantic), keypair files, the Clock sysvar
"""
