"""Transactions and accounts through solana-py's AsyncClient against a real localnet process."""

from __future__ import annotations

import base64

import pytest
from solana.rpc.async_api import AsyncClient
from solana.rpc.core import RPCException
from solana.rpc.types import DataSliceOpts, MemcmpOpts, TxOpts
from solders.hash import Hash
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.rpc.errors import RpcCustomErrorFieldless, SendTransactionPreflightFailureMessage
from solders.system_program import CreateAccountParams, TransferParams, create_account, transfer
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_status import InstructionErrorCustom, TransactionErrorFieldless, TransactionErrorInstructionError
from spl.token.constants import TOKEN_PROGRAM_ID
from spl.token.instructions import (
    InitializeAccountParams,
    InitializeMintParams,
    MintToParams,
    initialize_account,
    initialize_mint,
    mint_to,
)

from keeper.client.spl import MINT_SIZE, TOKEN_ACCOUNT_SIZE
from tests.localnet.conftest import Localnet, raw_rpc

LAMPORTS_PER_SOL = 10**9


async def signed(client: AsyncClient, payer: Keypair, instructions: list, *signers: Keypair) -> Transaction:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    return Transaction([payer, *signers], Message(instructions, payer.pubkey()), blockhash)


async def send_and_confirm(client: AsyncClient, transaction: Transaction | VersionedTransaction):
    signature = (await client.send_raw_transaction(bytes(transaction))).value
    await client.confirm_transaction(signature)
    return signature


async def test_airdrop_balance_status_and_transaction(client: AsyncClient) -> None:
    recipient = Keypair().pubkey()
    signature = (await client.request_airdrop(recipient, 3 * LAMPORTS_PER_SOL)).value
    await client.confirm_transaction(signature)
    assert (await client.get_balance(recipient)).value == 3 * LAMPORTS_PER_SOL
    status = (await client.get_signature_statuses([signature])).value[0]
    assert status is not None and status.err is None and status.slot >= 0
    transaction = (await client.get_transaction(signature)).value
    assert transaction is not None
    meta = transaction.transaction.meta
    assert meta.err is None and meta.fee == 5_000
    assert recipient in transaction.transaction.transaction.message.account_keys
    recipient_index = transaction.transaction.transaction.message.account_keys.index(recipient)
    assert meta.post_balances[recipient_index] - meta.pre_balances[recipient_index] == 3 * LAMPORTS_PER_SOL
    assert meta.log_messages == ["Program 11111111111111111111111111111111 invoke [1]", "Program 11111111111111111111111111111111 success"]


async def test_unknown_signature_has_no_status_and_no_transaction(client: AsyncClient) -> None:
    unknown = Keypair().sign_message(b"never sent")
    assert (await client.get_signature_statuses([unknown])).value == [None]
    assert (await client.get_transaction(unknown)).value is None


async def test_spl_mint_token_account_mint_to_and_queries(client: AsyncClient, funded: Keypair) -> None:
    mint, holder = Keypair(), Keypair()
    owner = Keypair().pubkey()
    rent_mint = (await client.get_minimum_balance_for_rent_exemption(MINT_SIZE)).value
    rent_account = (await client.get_minimum_balance_for_rent_exemption(TOKEN_ACCOUNT_SIZE)).value
    instructions = [
        create_account(CreateAccountParams(from_pubkey=funded.pubkey(), to_pubkey=mint.pubkey(), lamports=rent_mint, space=MINT_SIZE, owner=TOKEN_PROGRAM_ID)),
        initialize_mint(InitializeMintParams(decimals=6, program_id=TOKEN_PROGRAM_ID, mint=mint.pubkey(), mint_authority=funded.pubkey())),
        create_account(
            CreateAccountParams(from_pubkey=funded.pubkey(), to_pubkey=holder.pubkey(), lamports=rent_account, space=TOKEN_ACCOUNT_SIZE, owner=TOKEN_PROGRAM_ID)
        ),
        initialize_account(InitializeAccountParams(program_id=TOKEN_PROGRAM_ID, account=holder.pubkey(), mint=mint.pubkey(), owner=owner)),
        mint_to(MintToParams(program_id=TOKEN_PROGRAM_ID, mint=mint.pubkey(), dest=holder.pubkey(), mint_authority=funded.pubkey(), amount=1_234_500_000)),
    ]
    await send_and_confirm(client, await signed(client, funded, instructions, mint, holder))

    supply = (await client.get_token_supply(mint.pubkey())).value
    assert (supply.amount, supply.decimals, supply.ui_amount_string) == ("1234500000", 6, "1234.5")
    balance = (await client.get_token_account_balance(holder.pubkey())).value
    assert (balance.amount, balance.ui_amount) == ("1234500000", 1234.5)

    by_size = (await client.get_program_accounts(TOKEN_PROGRAM_ID, encoding="base64", filters=[TOKEN_ACCOUNT_SIZE])).value
    assert holder.pubkey() in [keyed.pubkey for keyed in by_size]
    assert mint.pubkey() not in [keyed.pubkey for keyed in by_size]
    by_mint = (
        await client.get_program_accounts(TOKEN_PROGRAM_ID, encoding="base64", filters=[TOKEN_ACCOUNT_SIZE, MemcmpOpts(offset=0, bytes=str(mint.pubkey()))])
    ).value
    assert [keyed.pubkey for keyed in by_mint] == [holder.pubkey()]
    assert bytes(by_mint[0].account.data)[32:64] == bytes(owner)
    by_owner = (await client.get_program_accounts(TOKEN_PROGRAM_ID, encoding="base64", filters=[MemcmpOpts(offset=32, bytes=str(owner))])).value
    assert [keyed.pubkey for keyed in by_owner] == [holder.pubkey()]
    nobody = (await client.get_program_accounts(TOKEN_PROGRAM_ID, encoding="base64", filters=[MemcmpOpts(offset=32, bytes=str(Pubkey.new_unique()))])).value
    assert nobody == []
    sliced = (
        await client.get_program_accounts(
            TOKEN_PROGRAM_ID, encoding="base64", data_slice=DataSliceOpts(offset=64, length=8), filters=[MemcmpOpts(offset=0, bytes=str(mint.pubkey()))]
        )
    ).value
    assert [int.from_bytes(bytes(keyed.account.data), "little") for keyed in sliced] == [1_234_500_000]

    mint_info = (await client.get_account_info(mint.pubkey())).value
    assert mint_info is not None and mint_info.owner == TOKEN_PROGRAM_ID and len(mint_info.data) == MINT_SIZE
    several = (await client.get_multiple_accounts([mint.pubkey(), holder.pubkey(), Pubkey.new_unique()])).value
    assert [None if account is None else len(account.data) for account in several] == [MINT_SIZE, TOKEN_ACCOUNT_SIZE, None]


def test_program_accounts_with_context_and_base64_memcmp(localnet: Localnet) -> None:
    faucet = raw_rpc(
        localnet.url,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "getProgramAccounts",
            "params": ["11111111111111111111111111111111", {"encoding": "base64", "withContext": True, "filters": [{"dataSize": 0}]}],
        },
    )["result"]
    assert faucet["context"]["slot"] >= 0 and len(faucet["value"]) >= 3  # faucet, admin, keeper at least
    mint_filter = {"memcmp": {"offset": 0, "bytes": base64.b64encode(b"\x01").decode(), "encoding": "base64"}}
    result = raw_rpc(
        localnet.url,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "getProgramAccounts",
            "params": [str(TOKEN_PROGRAM_ID), {"encoding": "base64", "filters": [mint_filter, {"dataSize": MINT_SIZE}]}],
        },
    )
    assert isinstance(result["result"], list)
    for keyed in result["result"]:
        assert base64.b64decode(keyed["account"]["data"][0])[0] == 1


async def test_failed_transaction_preflight_returns_error_and_logs(client: AsyncClient, funded: Keypair) -> None:
    too_much = transfer(TransferParams(from_pubkey=funded.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=100 * LAMPORTS_PER_SOL))
    balance_before = (await client.get_balance(funded.pubkey())).value
    with pytest.raises(RPCException) as raised:
        await client.send_raw_transaction(bytes(await signed(client, funded, [too_much])))
    failure = raised.value.args[0]
    assert isinstance(failure, SendTransactionPreflightFailureMessage)
    assert failure.message == "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1"
    assert failure.data.err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))
    assert failure.data.logs is not None and any("insufficient lamports" in line for line in failure.data.logs)
    assert failure.data.units_consumed == 150
    # Preflight failed: nothing was committed, not even the fee.
    assert (await client.get_balance(funded.pubkey())).value == balance_before


def test_preflight_failure_wire_format_has_code_32002(localnet: Localnet) -> None:
    payer = Keypair()
    raw_rpc(localnet.url, {"jsonrpc": "2.0", "id": 1, "method": "requestAirdrop", "params": [str(payer.pubkey()), LAMPORTS_PER_SOL]})
    blockhash = raw_rpc(localnet.url, {"jsonrpc": "2.0", "id": 1, "method": "getLatestBlockhash"})["result"]["value"]["blockhash"]
    instruction = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=5 * LAMPORTS_PER_SOL))
    transaction = Transaction([payer], Message([instruction], payer.pubkey()), Hash.from_string(blockhash))
    error = raw_rpc(
        localnet.url,
        {"jsonrpc": "2.0", "id": 1, "method": "sendTransaction", "params": [base64.b64encode(bytes(transaction)).decode(), {"encoding": "base64"}]},
    )["error"]
    assert error["code"] == -32002
    assert error["data"]["err"] == {"InstructionError": [0, {"Custom": 1}]}
    assert error["data"]["logs"][-1] == "Program 11111111111111111111111111111111 failed: custom program error: 0x1"


async def test_failed_transaction_with_skip_preflight_lands_with_its_error(client: AsyncClient, funded: Keypair) -> None:
    too_much = transfer(TransferParams(from_pubkey=funded.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=100 * LAMPORTS_PER_SOL))
    balance_before = (await client.get_balance(funded.pubkey())).value
    signature = (await client.send_raw_transaction(bytes(await signed(client, funded, [too_much])), TxOpts(skip_preflight=True))).value
    status = (await client.get_signature_statuses([signature])).value[0]
    assert status is not None and status.err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))
    landed = (await client.get_transaction(signature)).value
    assert landed is not None and landed.transaction.meta.err == status.err
    assert any("insufficient lamports" in line for line in landed.transaction.meta.log_messages)
    # A landed failure still pays its fee, as on a real cluster.
    assert (await client.get_balance(funded.pubkey())).value == balance_before - 5_000


async def test_bad_signature_is_32003(client: AsyncClient, funded: Keypair) -> None:
    transaction = await signed(client, funded, [transfer(TransferParams(from_pubkey=funded.pubkey(), to_pubkey=funded.pubkey(), lamports=1))])
    forged = VersionedTransaction.populate(VersionedTransaction.from_legacy(transaction).message, [Keypair().sign_message(b"forged")])
    with pytest.raises(RPCException) as raised:
        await client.send_raw_transaction(bytes(forged))
    assert raised.value.args[0] == RpcCustomErrorFieldless.TransactionSignatureVerificationFailure


async def test_unknown_blockhash_and_duplicate_are_rejected(client: AsyncClient, funded: Keypair) -> None:
    instruction = transfer(TransferParams(from_pubkey=funded.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=LAMPORTS_PER_SOL))
    stale = Transaction([funded], Message([instruction], funded.pubkey()), Hash.new_unique())
    for options in (None, TxOpts(skip_preflight=True)):
        with pytest.raises(RPCException) as raised:
            await client.send_raw_transaction(bytes(stale), options)
        assert raised.value.args[0].data.err == TransactionErrorFieldless.BlockhashNotFound
        assert raised.value.args[0].message == "Transaction simulation failed: Blockhash not found"
    transaction = await signed(client, funded, [instruction])
    await send_and_confirm(client, transaction)
    with pytest.raises(RPCException) as raised:
        await client.send_raw_transaction(bytes(transaction))
    assert raised.value.args[0].data.err == TransactionErrorFieldless.AlreadyProcessed


async def test_simulate_success_failure_and_unsigned(client: AsyncClient, funded: Keypair) -> None:
    target = Pubkey.new_unique()
    ok = (
        await client.simulate_transaction(
            await signed(client, funded, [transfer(TransferParams(from_pubkey=funded.pubkey(), to_pubkey=target, lamports=LAMPORTS_PER_SOL))]), sig_verify=True
        )
    ).value
    assert ok.err is None and ok.units_consumed == 150 and ok.logs[-1].endswith("success")
    assert (await client.get_balance(target)).value == 0  # simulation commits nothing
    failing = (
        await client.simulate_transaction(
            await signed(client, funded, [transfer(TransferParams(from_pubkey=funded.pubkey(), to_pubkey=target, lamports=10**6 * LAMPORTS_PER_SOL))])
        )
    ).value
    assert failing.err == TransactionErrorInstructionError(0, InstructionErrorCustom(1))
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    # A new account must hold its rent-exempt minimum (890,880 lamports for 0 bytes) or the runtime refuses it.
    unsigned = Transaction.new_unsigned(
        Message.new_with_blockhash([transfer(TransferParams(from_pubkey=funded.pubkey(), to_pubkey=target, lamports=890_880))], funded.pubkey(), blockhash)
    )
    assert (await client.simulate_transaction(unsigned, sig_verify=False)).value.err is None
    with pytest.raises(RPCException) as raised:
        await client.simulate_transaction(unsigned, sig_verify=True)
    assert raised.value.args[0] == RpcCustomErrorFieldless.TransactionSignatureVerificationFailure


def test_simulate_reports_requested_accounts_and_replacement_blockhash(localnet: Localnet) -> None:
    payer, target = Keypair(), Pubkey.new_unique()
    raw_rpc(localnet.url, {"jsonrpc": "2.0", "id": 1, "method": "requestAirdrop", "params": [str(payer.pubkey()), LAMPORTS_PER_SOL]})
    instruction = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=target, lamports=7 * 10**8))
    transaction = Transaction([payer], Message([instruction], payer.pubkey()), Hash.new_unique())  # blockhash to be replaced
    value = raw_rpc(
        localnet.url,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "simulateTransaction",
            "params": [
                base64.b64encode(bytes(transaction)).decode(),
                {"encoding": "base64", "replaceRecentBlockhash": True, "accounts": {"addresses": [str(target)], "encoding": "base64"}},
            ],
        },
    )["result"]["value"]
    assert value["err"] is None
    assert value["accounts"][0]["lamports"] == 7 * 10**8
    assert value["replacementBlockhash"]["blockhash"]


async def test_versioned_transaction_needs_max_supported_version(client: AsyncClient, funded: Keypair, localnet: Localnet) -> None:
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    message = MessageV0.try_compile(
        funded.pubkey(), [transfer(TransferParams(from_pubkey=funded.pubkey(), to_pubkey=Pubkey.new_unique(), lamports=10**6))], [], blockhash
    )
    signature = await send_and_confirm(client, VersionedTransaction(message, [funded]))
    error = raw_rpc(localnet.url, {"jsonrpc": "2.0", "id": 1, "method": "getTransaction", "params": [str(signature), {"encoding": "json"}]})["error"]
    assert error["code"] == -32015
    landed = (await client.get_transaction(signature, encoding="base64", max_supported_transaction_version=0)).value
    assert landed is not None and landed.transaction.version == 0
    decoded = landed.transaction.transaction
    assert isinstance(decoded, VersionedTransaction) and decoded.signatures[0] == signature
