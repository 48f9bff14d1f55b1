"""getProgramAccounts / programSubscribe filters, compiled once and matched per account."""

from __future__ import annotations

import binascii
from dataclasses import dataclass

from keeper.localnet.node import params as p
from keeper.localnet.node.errors import invalid_param


@dataclass(frozen=True)
class AccountFilter:
    sizes: tuple[int, ...]
    memcmps: tuple[tuple[int, bytes], ...]

    @classmethod
    def compile(cls, filters: list[p.MemcmpFilter | p.DataSizeFilter] | None) -> AccountFilter:
        sizes: list[int] = []
        memcmps: list[tuple[int, bytes]] = []
        for item in filters or []:
            if isinstance(item, p.DataSizeFilter):
                sizes.append(item.data_size)
            else:
                try:
                    memcmps.append((item.memcmp.offset, item.memcmp.decoded()))
                except (ValueError, binascii.Error) as error:
                    raise invalid_param(f"memcmp bytes: {error}") from None
        return cls(tuple(sizes), tuple(memcmps))

    def matches(self, data: bytes) -> bool:
        # Runs once per account of a program (100,000 jobs for the explorer), so it stays lean:
        # `startswith` at an offset is a memcmp that is false past the end of the data.
        for offset, expected in self.memcmps:
            if not data.startswith(expected, offset):
                return False
        return all(len(data) == size for size in self.sizes)
