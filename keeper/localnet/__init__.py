"""The embedded localnet: the node (`node/`, its own process and environment), and what this
side does with it — start it (`launch`), deploy programs through the upgradeable loader
(`deploy`), bootstrap the protocol (`bootstrap`), and drive it from tests (`remote`)."""
