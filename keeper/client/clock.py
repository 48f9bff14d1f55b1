"""The Clock sysvar, read like any account: the slot and the unix time programs compare deadlines with."""

from __future__ import annotations

import struct

from solders.sysvar import CLOCK

__all__ = ["CLOCK", "clock_slot", "clock_unix_timestamp"]


def clock_slot(data: bytes) -> int:
    return int(struct.unpack_from("<Q", data, 0)[0])


def clock_unix_timestamp(data: bytes) -> int:
    # Clock: slot, epoch_start_timestamp, epoch, leader_schedule_epoch, unix_timestamp.
    return int(struct.unpack_from("<q", data, 32)[0])
