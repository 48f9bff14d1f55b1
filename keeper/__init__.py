"""IO settlement keeper: mirrored protocol constants, emission schedule, Merkle trees, chain tooling."""
