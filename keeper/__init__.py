"""IO settlement keeper, in layers that import only downward (tests/test_import_direction.py):

client     the SDK: ids, seeds, addresses, constants, IDLs, the account decoder, instruction
           builders, Merkle trees, the emission schedule, fees, program errors, keypairs, models
daemon     the keeper daemon (imports client)
explorer   the explorer's read API and web page (imports client)
localnet   the embedded localnet: launch, deploy, bootstrap (imports client); node/ runs apart
cli        `io-keeper`, on top of all of them
"""
