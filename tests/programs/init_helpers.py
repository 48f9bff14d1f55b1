"""What the program tests share about accounts the programs create with Anchor's `init`.

An address that already holds an account (a second initialize, a job id in use, a second
claim, ...) is refused by the System Program inside `init`: `CreateAccount` (or, at a pre-funded
address, `CreateAccountAllowPrefund`) answers custom error 0, "already in use", and the whole
transaction is rolled back. There is no Anchor error name to assert, so `fails_in_use` checks that
answer instead.

Pre-funding: the smallest balance the runtime lets anyone leave at an empty address is the
rent-exempt minimum of a 0-byte account (`prefund_minimum`); `init` tops it up and creates the
account there.
"""

from __future__ import annotations

from collections.abc import Iterable

from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from keeper.localnet.remote import TransactionRecord
from tests.programs.harness import Harness, custom_error_code, same_account

SYSTEM_PROGRAM = "11111111111111111111111111111111"


def already_in_use(record: TransactionRecord) -> bool:
    """Whether the transaction failed because `init` found the address already in use."""
    logs = record.result.logs
    return (
        not record.result.succeeded
        and custom_error_code(record) == 0
        and f"Program {SYSTEM_PROGRAM} failed: custom program error: 0x0" in logs
        and any("already in use" in line for line in logs)
    )


def fails_in_use(
    h: Harness,
    instructions: Instruction | Iterable[Instruction],
    payer: Keypair,
    *signers: Keypair,
    watch: Iterable[Pubkey] = (),
) -> TransactionRecord:
    """Sends, asserts `init` refused an address already in use, and asserts `watch` accounts are
    unchanged."""
    watched = list(watch)
    before = {address: h.chain.get_account(address) for address in watched}
    record = h.send(instructions, payer, *signers)
    assert already_in_use(record), "\n".join(record.result.logs)
    for address in watched:
        assert same_account(before[address], h.chain.get_account(address)), f"{address} changed on failure"
    return record


def prefund_minimum(h: Harness) -> int:
    """The least anyone can leave at an empty address: the rent-exempt minimum of 0 bytes."""
    return h.chain.rent_exempt_minimum(0)
