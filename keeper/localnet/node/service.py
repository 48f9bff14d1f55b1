"""The JSON-RPC methods, answered from the in-process chain.

Each handler takes the raw `params` member, validates it with a pydantic model from
`params.py`, and returns the `result` member or raises `RpcError`. Before every call the
chain's clock is brought up to the scaled wall clock, so time moves even with no traffic.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any, Final

import based58
from solders.keypair import Keypair
from solders.message import from_bytes_versioned
from solders.transaction import VersionedTransaction

from keeper.localnet.node import params as p
from keeper.localnet.node.chain import LAMPORTS_PER_SIGNATURE, AirdropFailed, Chain
from keeper.localnet.node.clock import ScaledClock
from keeper.localnet.node.dev import DevMethods
from keeper.localnet.node.encoding import (
    API_VERSION,
    encode_account,
    is_mint,
    is_token_account,
    mint_supply_and_decimals,
    signature_info,
    token_account_mint_and_amount,
    ui_token_amount,
    versioned_transaction_json,
    with_context,
)
from keeper.localnet.node.errors import (
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    MIN_CONTEXT_SLOT_NOT_REACHED,
    SEND_TRANSACTION_PREFLIGHT_FAILURE,
    TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
    RpcError,
    describe_transaction_error,
    invalid_param,
    transaction_error_json,
)
from keeper.localnet.node.filters import AccountFilter
from keeper.localnet.node.reads import FEATURE_SET, NodeAddresses, PerformanceSampler, ReadMethods
from keeper.localnet.node.records import ExecutionResult, TransactionRejected

Handler = Callable[[Any], Any]
MAX_TRANSACTION_BYTES: Final = 1_232


class RpcService:
    """`clock`: chain time follows the scaled wall clock; None: it moves only when told
    (`localnet_setClock`), as tests want."""

    def __init__(
        self,
        chain: Chain,
        clock: ScaledClock | None,
        *,
        identity: Keypair | None = None,
        addresses: NodeAddresses | None = None,
        sampler: PerformanceSampler | None = None,
    ) -> None:
        self.chain = chain
        self.clock = clock
        self._handlers: dict[str, Handler] = {
            "getLatestBlockhash": self.get_latest_blockhash,
            "isBlockhashValid": self.is_blockhash_valid,
            "sendTransaction": self.send_transaction,
            "simulateTransaction": self.simulate_transaction,
            "getSignatureStatuses": self.get_signature_statuses,
            "getTransaction": self.get_transaction,
            "getSignaturesForAddress": self.get_signatures_for_address,
            "getAccountInfo": self.get_account_info,
            "getMultipleAccounts": self.get_multiple_accounts,
            "getProgramAccounts": self.get_program_accounts,
            "getBalance": self.get_balance,
            "getTokenAccountBalance": self.get_token_account_balance,
            "getTokenSupply": self.get_token_supply,
            "getMinimumBalanceForRentExemption": self.get_minimum_balance_for_rent_exemption,
            "requestAirdrop": self.request_airdrop,
            "getSlot": self.get_slot,
            "getBlockHeight": self.get_block_height,
            "getEpochInfo": self.get_epoch_info,
            "getHealth": self.get_health,
            "getVersion": self.get_version,
            "getFeeForMessage": self.get_fee_for_message,
            "getGenesisHash": self.get_genesis_hash,
            **ReadMethods(chain, identity or Keypair(), addresses, sampler).handlers(),
            **DevMethods(chain).handlers(),
        }

    @property
    def methods(self) -> list[str]:
        return sorted(self._handlers)

    def call(self, method: str, params: Any) -> Any:
        handler = self._handlers.get(method)
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, "Method not found")
        if self.clock is not None:
            self.clock.apply(self.chain)
        # Before the handler: sendTransaction must not land when the node is behind the client.
        _check_min_context_slot(params, self.chain.slot)
        return handler(params)

    # --- cluster state ------------------------------------------------------------------------

    def get_slot(self, params: Any) -> int:
        p.CommitmentOnly.parse(params)
        return self.chain.slot

    def get_block_height(self, params: Any) -> int:
        p.CommitmentOnly.parse(params)
        return self.chain.block_height

    def get_epoch_info(self, params: Any) -> dict[str, Any]:
        p.CommitmentOnly.parse(params)
        slot = self.chain.slot
        epoch, slot_index = self.chain.svm.get_epoch_schedule().get_epoch_and_slot_index(slot)
        return {
            "absoluteSlot": slot,
            "blockHeight": self.chain.block_height,
            "epoch": epoch,
            "slotIndex": slot_index,
            "slotsInEpoch": self.chain.svm.get_epoch_schedule().get_slots_in_epoch(epoch),
            "transactionCount": self.chain.transaction_count,
        }

    def get_health(self, params: Any) -> str:
        p.NoParams.parse(params)
        return "ok"

    def get_version(self, params: Any) -> dict[str, Any]:
        p.NoParams.parse(params)
        return {"solana-core": API_VERSION, "feature-set": FEATURE_SET}

    def get_genesis_hash(self, params: Any) -> str:
        p.NoParams.parse(params)
        return str(self.chain.genesis_hash)

    def get_minimum_balance_for_rent_exemption(self, params: Any) -> int:
        return self.chain.rent_exempt_minimum(p.RentExemptionParams.parse(params).data_len)

    # --- blockhashes and fees -------------------------------------------------------------

    def get_latest_blockhash(self, params: Any) -> dict[str, Any]:
        p.CommitmentOnly.parse(params)
        blockhash = self.chain.latest_blockhash
        value = {"blockhash": str(blockhash), "lastValidBlockHeight": self.chain.last_valid_block_height(blockhash)}
        return with_context(self.chain.slot, value)

    def is_blockhash_valid(self, params: Any) -> dict[str, Any]:
        parsed = p.IsBlockhashValidParams.parse(params)
        return with_context(self.chain.slot, self.chain.is_blockhash_valid(parsed.blockhash))

    def get_fee_for_message(self, params: Any) -> dict[str, Any]:
        parsed = p.FeeForMessageParams.parse(params)
        try:
            message = from_bytes_versioned(base64.b64decode(parsed.message, validate=True))
        except (binascii.Error, ValueError) as error:
            raise invalid_param(f"invalid message: {error}") from None
        # A validator answers null for a message whose blockhash it no longer accepts.
        fee = LAMPORTS_PER_SIGNATURE * message.header.num_required_signatures if self.chain.is_blockhash_valid(message.recent_blockhash) else None
        return with_context(self.chain.slot, fee)

    # --- accounts ---------------------------------------------------------------------------

    def get_balance(self, params: Any) -> dict[str, Any]:
        parsed = p.AddressParams.parse(params)
        return with_context(self.chain.slot, self.chain.balance(parsed.pubkey))

    def get_account_info(self, params: Any) -> dict[str, Any]:
        parsed = p.AccountInfoParams.parse(params)
        config = parsed.config or p.AccountInfoConfig()
        account = self.chain.get_account(parsed.pubkey)
        value = None if account is None else encode_account(account, config.encoding, config.data_slice, lookup=self.chain.get_account)
        return with_context(self.chain.slot, value)

    def get_multiple_accounts(self, params: Any) -> dict[str, Any]:
        parsed = p.MultipleAccountsParams.parse(params)
        config = parsed.config or p.AccountInfoConfig()
        values = []
        for address in parsed.pubkeys:
            account = self.chain.get_account(address)
            values.append(None if account is None else encode_account(account, config.encoding, config.data_slice, lookup=self.chain.get_account))
        return with_context(self.chain.slot, values)

    def get_program_accounts(self, params: Any) -> Any:
        parsed = p.ProgramAccountsParams.parse(params)
        config = parsed.config or p.ProgramAccountsConfig()
        account_filter = AccountFilter.compile(config.filters)
        matches = []
        # From the chain's owner index: only the program's accounts are read.
        for address, account in self.chain.accounts_owned_by(parsed.program_id):
            data = bytes(account.data)
            if account_filter.matches(data):
                encoded = encode_account(account, config.encoding, config.data_slice, data, lookup=self.chain.get_account)
                matches.append({"pubkey": str(address), "account": encoded})
        return with_context(self.chain.slot, matches) if config.with_context else matches

    def get_token_account_balance(self, params: Any) -> dict[str, Any]:
        parsed = p.AddressParams.parse(params)
        account = self.chain.get_account(parsed.pubkey)
        if account is None:
            raise invalid_param("could not find account")
        if not is_token_account(account):
            raise invalid_param("not a Token account")
        mint_address, amount = token_account_mint_and_amount(account)
        mint = self.chain.get_account(mint_address)
        if mint is None or not is_mint(mint):
            raise invalid_param("could not find mint")
        _, decimals = mint_supply_and_decimals(mint)
        return with_context(self.chain.slot, ui_token_amount(amount, decimals))

    def get_token_supply(self, params: Any) -> dict[str, Any]:
        parsed = p.AddressParams.parse(params)
        account = self.chain.get_account(parsed.pubkey)
        if account is None:
            raise invalid_param("could not find account")
        if not is_mint(account):
            raise invalid_param("not a Token mint")
        supply, decimals = mint_supply_and_decimals(account)
        return with_context(self.chain.slot, ui_token_amount(supply, decimals))

    def request_airdrop(self, params: Any) -> str:
        parsed = p.AirdropParams.parse(params)
        if parsed.lamports > self.chain.balance(self.chain.faucet.pubkey()):
            raise RpcError(INVALID_REQUEST, "airdrop request failed: the faucet does not hold that many lamports")
        try:
            return str(self.chain.airdrop(parsed.pubkey, parsed.lamports).result.signature)
        except AirdropFailed as failed:
            raise RpcError(INVALID_REQUEST, f"airdrop request failed: {failed.record.result.err}") from None

    # --- transactions -------------------------------------------------------------------------

    def _decode_transaction(self, encoded: str, encoding: str | None) -> VersionedTransaction:
        # Like Agave: base58 unless told otherwise, and a size check before decoding.
        try:
            if encoding == "base64":
                raw = base64.b64decode(encoded, validate=True)
            else:
                raw = based58.b58decode(encoded.encode())
        except (binascii.Error, ValueError) as error:
            raise invalid_param(f"invalid {encoding or 'base58'} encoding: {error}") from None
        if len(raw) > MAX_TRANSACTION_BYTES:
            raise invalid_param(f"encoded transaction too large: {len(raw)} bytes (max: {MAX_TRANSACTION_BYTES} bytes)")
        try:
            return VersionedTransaction.from_bytes(raw)
        except ValueError as error:
            raise invalid_param(f"failed to deserialize VersionedTransaction: {error}") from None

    def send_transaction(self, params: Any) -> str:
        parsed = p.SendTransactionParams.parse(params)
        config = parsed.config or p.SendTransactionConfig()
        transaction = self._decode_transaction(parsed.transaction, config.encoding)
        if not all(transaction.verify_with_results()):
            raise RpcError(TRANSACTION_SIGNATURE_VERIFICATION_FAILURE, "Transaction signature verification failure")
        if not config.skip_preflight:
            try:
                preflight = self.chain.simulate(transaction, sig_verify=True)
            except TransactionRejected as rejected:
                raise _preflight_failure(rejected.err, [], 0) from None
            if not preflight.succeeded:
                raise _preflight_failure(preflight.err, preflight.logs, preflight.compute_units_consumed)
        try:
            record = self.chain.send(transaction)
        except TransactionRejected as rejected:
            # A validator would accept the bytes and silently drop them; answering with the
            # reason is kinder, and the transaction can never land either way.
            raise _preflight_failure(rejected.err, [], 0) from None
        return str(record.result.signature)

    def simulate_transaction(self, params: Any) -> dict[str, Any]:
        parsed = p.SimulateTransactionParams.parse(params)
        config = parsed.config or p.SimulateTransactionConfig()
        transaction = self._decode_transaction(parsed.transaction, config.encoding)
        if config.sig_verify and not all(transaction.verify_with_results()):
            raise RpcError(TRANSACTION_SIGNATURE_VERIFICATION_FAILURE, "Transaction signature verification failure")
        try:
            result = self.chain.simulate(transaction, sig_verify=config.sig_verify, check_blockhash=not config.replace_recent_blockhash)
        except TransactionRejected as rejected:
            return with_context(self.chain.slot, _simulation_json(rejected.err, [], 0))
        value = _simulation_json(result.err, result.logs, result.compute_units_consumed)
        value["returnData"] = (
            None
            if result.return_program is None
            else {"programId": str(result.return_program), "data": [base64.b64encode(result.return_data).decode(), "base64"]}
        )
        if config.replace_recent_blockhash:
            value["replacementBlockhash"] = {
                "blockhash": str(self.chain.latest_blockhash),
                "lastValidBlockHeight": self.chain.last_valid_block_height(self.chain.latest_blockhash),
            }
        if config.accounts is not None:
            value["accounts"] = self._simulated_accounts(result, config.accounts)
        return with_context(self.chain.slot, value)

    def _simulated_accounts(self, result: ExecutionResult, wanted: p.SimulateAccounts) -> list[Any]:
        accounts = []
        for address in wanted.addresses:
            account = result.post_accounts.get(address) if result.succeeded else None
            if account is None and result.succeeded:
                account = self.chain.get_account(address)
            accounts.append(None if account is None else encode_account(account, wanted.encoding, None))
        return accounts

    def get_signature_statuses(self, params: Any) -> dict[str, Any]:
        parsed = p.SignatureStatusesParams.parse(params)
        statuses: list[Any] = []
        for signature in parsed.signatures:
            record = self.chain.transaction(signature)
            if record is None:
                statuses.append(None)
                continue
            err = transaction_error_json(record.result.err)
            statuses.append(
                {
                    "slot": record.slot,
                    # null confirmations = rooted: nothing on this chain is ever rolled back.
                    "confirmations": None,
                    "status": {"Ok": None} if err is None else {"Err": err},
                    "err": err,
                    "confirmationStatus": "finalized",
                }
            )
        return with_context(self.chain.slot, statuses)

    def get_signatures_for_address(self, params: Any) -> list[dict[str, Any]]:
        query = p.SignaturesForAddressParams.parse(params).query()
        records = self.chain.signatures_for_address(query.address, query.limit, before=query.before, until=query.until)
        return [signature_info(record) for record in records]

    def get_transaction(self, params: Any) -> dict[str, Any] | None:
        parsed = p.GetTransactionParams.parse(params)
        config = parsed.transaction_config()
        record = self.chain.transaction(parsed.signature)
        if record is None:
            return None
        response: dict[str, Any] = {"slot": record.slot, "blockTime": record.block_time}
        response.update(versioned_transaction_json(record, config.encoding or "json", config.max_supported_transaction_version))
        return response


def _check_min_context_slot(params: Any, slot: int) -> None:
    """Agave refuses a read whose `minContextSlot` the node has not reached yet."""
    config = params[-1] if isinstance(params, list) and params and isinstance(params[-1], dict) else None
    wanted = None if config is None else config.get("minContextSlot")
    if isinstance(wanted, int) and not isinstance(wanted, bool) and wanted > slot:
        raise RpcError(MIN_CONTEXT_SLOT_NOT_REACHED, "Minimum context slot has not been reached", {"contextSlot": slot})


def _simulation_json(err: Any, logs: list[str], units: int) -> dict[str, Any]:
    return {
        "err": transaction_error_json(err),
        "logs": logs,
        "accounts": None,
        "unitsConsumed": units,
        "returnData": None,
        "innerInstructions": None,
        "replacementBlockhash": None,
    }


def _preflight_failure(err: Any, logs: list[str], units: int) -> RpcError:
    data = _simulation_json(err, logs, units)
    return RpcError(SEND_TRANSACTION_PREFLIGHT_FAILURE, f"Transaction simulation failed: {describe_transaction_error(err)}", data)
