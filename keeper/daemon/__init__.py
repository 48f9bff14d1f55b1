"""`io-keeper run`: the keeper daemon (emission, settlement, reward epochs, provenance, burns)."""
