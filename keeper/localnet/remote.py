"""A synchronous client of one localnet node, for tests, benchmarks and bootstrapping.

The node runs in its own process and environment (`keeper.localnet.node`); this speaks
standard JSON-RPC to it (sendTransaction, getTransaction, getAccountInfo, ...) plus the
node's `localnet_*` development methods (write an account, move the clock, snapshot and
revert). Transactions are sent with `skipPreflight` and their outcome read back in the
same HTTP round trip (a JSON-RPC batch), so a failed transaction comes back as a record
with its error and logs, as a test wants it.
"""

from __future__ import annotations

import base64
import http.client
import json
import time
from collections.abc import Iterable, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

from solders.account import Account
from solders.hash import Hash
from solders.instruction import Instruction
from solders.keypair import Keypair
from solders.message import Message
from solders.pubkey import Pubkey
from solders.rpc.responses import GetTransactionResp, RpcSimulateTransactionResult
from solders.signature import Signature
from solders.transaction import Transaction, VersionedTransaction
from solders.transaction_status import UiTransactionStatusMeta

from keeper.client.clock import CLOCK, clock_slot, clock_unix_timestamp
from keeper.localnet.node.records import ExecutionResult, TransactionFailed, TransactionRecord, TransactionRejected

__all__ = ["LocalnetChain", "LocalnetRpcError", "ExecutionResult", "TransactionFailed", "TransactionRecord", "TransactionRejected"]

# Slots a second on a cluster (400 ms a slot): what `warp` moves the slot by.
SLOTS_PER_SECOND: Final = 2.5

AnyTransaction = Transaction | VersionedTransaction


class LocalnetRpcError(RuntimeError):
    """A JSON-RPC error object from the node."""

    def __init__(self, method: str, error: dict[str, Any]) -> None:
        super().__init__(f"{method}: {error.get('code')} {error.get('message')}")
        self.code: int | None = error.get("code")
        self.data: Any = error.get("data")


class LocalnetChain:
    """One node, through one keep-alive HTTP connection. Not thread-safe."""

    def __init__(self, url: str, *, manual_clock: bool = False, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"a localnet URL is http://host:port, not {url!r}")
        self.url = url
        # The node was started with --manual-clock: time moves only when this client moves it.
        self.manual_clock = manual_clock
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
        self._next_id = 0

    def close(self) -> None:
        self._connection.close()

    # --- JSON-RPC ---------------------------------------------------------------------------

    def _post(self, payload: Any) -> Any:
        body = json.dumps(payload).encode()
        for attempt in (1, 2):
            try:
                self._connection.request("POST", "/", body, {"Content-Type": "application/json"})
                response = self._connection.getresponse()
                return json.loads(response.read())
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server closed while idle: reconnect once.
                self._connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _request(self, method: str, params: Sequence[Any]) -> dict[str, Any]:
        self._next_id += 1
        return {"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": list(params)}

    def call(self, method: str, *params: Any) -> Any:
        response = self._post(self._request(method, params))
        if "error" in response:
            raise LocalnetRpcError(method, response["error"])
        return response["result"]

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[dict[str, Any]]:
        """Several calls in one request, answered in order (each a `result` or an `error`)."""
        requests = [self._request(method, params) for method, params in calls]
        responses = {response["id"]: response for response in self._post(requests)}
        return [responses[request["id"]] for request in requests]

    # --- cluster state ----------------------------------------------------------------------

    def version(self) -> str:
        return str(self.call("getVersion")["solana-core"])

    @property
    def slot(self) -> int:
        return int(self.call("getSlot"))

    @property
    def block_height(self) -> int:
        return int(self.call("getBlockHeight"))

    @property
    def unix_timestamp(self) -> int:
        """The Clock sysvar's time, read like any account."""
        account = self.get_account(CLOCK)
        assert account is not None, "the node has no Clock sysvar"
        return clock_unix_timestamp(bytes(account.data))

    @property
    def latest_blockhash(self) -> Hash:
        return Hash.from_string(self.call("getLatestBlockhash")["value"]["blockhash"])

    def is_blockhash_valid(self, blockhash: Hash) -> bool:
        return bool(self.call("isBlockhashValid", str(blockhash))["value"])

    def rent_exempt_minimum(self, data_len: int) -> int:
        return int(self.call("getMinimumBalanceForRentExemption", data_len))

    # --- accounts ---------------------------------------------------------------------------

    def get_account(self, address: Pubkey) -> Account | None:
        value = self.call("getAccountInfo", str(address), {"encoding": "base64"})["value"]
        return None if value is None else _account(value)

    def get_accounts(self, addresses: Sequence[Pubkey]) -> list[Account | None]:
        values = self.call("getMultipleAccounts", [str(address) for address in addresses], {"encoding": "base64"})["value"]
        return [None if value is None else _account(value) for value in values]

    def balance(self, address: Pubkey) -> int:
        return int(self.call("getBalance", str(address))["value"])

    def accounts_owned_by(self, owner: Pubkey) -> list[tuple[Pubkey, Account]]:
        found = self.call("getProgramAccounts", str(owner), {"encoding": "base64"})
        return [(Pubkey.from_string(item["pubkey"]), _account(item["account"])) for item in found]

    # --- transactions -----------------------------------------------------------------------

    def send(self, transaction: AnyTransaction) -> TransactionRecord:
        """Executes and commits (fees are charged even when it fails, as on a validator).

        Raises TransactionRejected when the node does not execute it at all.
        """
        return self.send_many([transaction])[0]

    def send_many(self, transactions: Sequence[AnyTransaction]) -> list[TransactionRecord]:
        """Sends each (in order) and reads each outcome back, in one request."""
        calls: list[tuple[str, Sequence[Any]]] = []
        for transaction in transactions:
            encoded = base64.b64encode(bytes(transaction)).decode()
            signature = str(transaction.signatures[0])
            calls.append(("sendTransaction", [encoded, {"encoding": "base64", "skipPreflight": True}]))
            calls.append(("getTransaction", [signature, {"encoding": "json", "maxSupportedTransactionVersion": 0}]))
        responses = self.batch(calls)
        records = []
        for index, transaction in enumerate(transactions):
            sent, outcome = responses[2 * index], responses[2 * index + 1]
            if "error" in sent:
                raise _rejection(sent["error"])
            if outcome.get("result") is None:
                raise LocalnetRpcError("getTransaction", outcome.get("error") or {"message": "transaction not found after sending"})
            records.append(_record(_as_versioned(transaction), outcome["result"]))
        return records

    def send_instructions(self, instructions: Iterable[Instruction], payer: Keypair, *extra_signers: Keypair) -> TransactionRecord:
        """Signs with a fresh blockhash (so a repeated instruction is a new transaction) and sends."""
        message = Message(list(instructions), payer.pubkey())
        return self.send(Transaction([payer, *extra_signers], message, self.expire_blockhash()))

    def simulate(self, transaction: AnyTransaction, *, sig_verify: bool = False) -> ExecutionResult:
        encoded = base64.b64encode(bytes(transaction)).decode()
        value = self.call("simulateTransaction", encoded, {"encoding": "base64", "sigVerify": sig_verify})["value"]
        simulated = RpcSimulateTransactionResult.from_json(json.dumps(value))
        return_data = simulated.return_data
        return ExecutionResult(
            signature=transaction.signatures[0],
            err=simulated.err,
            logs=list(simulated.logs or []),
            compute_units_consumed=simulated.units_consumed or 0,
            return_data=b"" if return_data is None else bytes(return_data.data),
            return_program=None if return_data is None else return_data.program_id,
        )

    def transaction(self, signature: Signature) -> TransactionRecord | None:
        found = self.call("getTransaction", str(signature), {"encoding": "base64", "maxSupportedTransactionVersion": 0})
        if found is None:
            return None
        transaction = VersionedTransaction.from_bytes(base64.b64decode(found["transaction"][0]))
        return _record(transaction, found)

    def airdrop(self, recipient: Pubkey, lamports: int) -> TransactionRecord:
        """requestAirdrop (a system transfer from the node's faucet), returned as its record."""
        signature = Signature.from_string(self.call("requestAirdrop", str(recipient), lamports))
        record = self.transaction(signature)
        assert record is not None, "the airdrop is not in the node's history"
        return record.raise_for_error()

    # --- development methods (localnet_*) ---------------------------------------------------

    def set_account(self, address: Pubkey, account: Account) -> None:
        state = {
            "lamports": account.lamports,
            "data": [base64.b64encode(bytes(account.data)).decode(), "base64"],
            "owner": str(account.owner),
            "executable": account.executable,
        }
        self.call("localnet_setAccount", str(address), state)

    def set_time(self, *, slot: int | None = None, unix_timestamp: int | None = None) -> None:
        change: dict[str, int] = {}
        if slot is not None:
            change["slot"] = slot
        if unix_timestamp is not None:
            change["unixTimestamp"] = unix_timestamp
        self.call("localnet_setClock", change)

    def warp(self, seconds: int) -> None:
        """Advances the clock by `seconds` (and the slot at 400 ms a slot)."""
        clock = self.get_account(CLOCK)
        assert clock is not None
        slot, unix_timestamp = clock_slot(bytes(clock.data)), clock_unix_timestamp(bytes(clock.data))
        self.set_time(slot=slot + max(1, int(seconds * SLOTS_PER_SECOND)), unix_timestamp=unix_timestamp + seconds)

    def wait_for_slot(self, slot: int, *, timeout: float = 30.0) -> None:
        """Until the node is at `slot` or later: moves a manual clock there, waits for a running one."""
        if self.manual_clock:
            if self.slot < slot:
                self.set_time(slot=slot)
            return
        deadline = time.monotonic() + timeout
        while (current := self.slot) < slot:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the node stayed at slot {current}, waiting for {slot}")
            time.sleep(0.05)

    def expire_blockhash(self) -> Hash:
        """A new blockhash in the current block (older ones stay valid for their age)."""
        return Hash.from_string(self.call("localnet_expireBlockhash")["blockhash"])

    def produce_blocks(self, count: int) -> None:
        self.call("localnet_produceBlocks", count)

    def snapshot(self) -> int:
        return int(self.call("localnet_snapshot"))

    def revert(self, snapshot_id: int) -> None:
        self.call("localnet_revert", snapshot_id)


def _account(value: dict[str, Any]) -> Account:
    return Account(
        lamports=value["lamports"],
        data=base64.b64decode(value["data"][0]),
        owner=Pubkey.from_string(value["owner"]),
        executable=value["executable"],
        rent_epoch=min(int(value.get("rentEpoch", 0)), 2**64 - 1),
    )


def _as_versioned(transaction: AnyTransaction) -> VersionedTransaction:
    return transaction if isinstance(transaction, VersionedTransaction) else VersionedTransaction.from_legacy(transaction)


def _meta(found: dict[str, Any]) -> UiTransactionStatusMeta:
    # Parsed with solders' own response type, so errors come back as solders' error classes.
    wrapped = {"jsonrpc": "2.0", "id": 0, "result": {**found, "transaction": _placeholder_transaction()}}
    response = GetTransactionResp.from_json(json.dumps(wrapped))
    if not isinstance(response, GetTransactionResp) or response.value is None or response.value.transaction.meta is None:
        raise LocalnetRpcError("getTransaction", {"message": f"unreadable transaction status: {found}"})
    return response.value.transaction.meta


def _placeholder_transaction() -> list[str]:
    # getTransaction's `transaction` member is not what _meta parses; any valid one will do.
    return [base64.b64encode(bytes(VersionedTransaction.default())).decode(), "base64"]


def _record(transaction: VersionedTransaction, found: dict[str, Any]) -> TransactionRecord:
    meta = _meta(found)
    return_data = meta.return_data
    loaded = meta.loaded_addresses
    keys = list(transaction.message.account_keys)
    if loaded is not None:
        keys += list(loaded.writable) + list(loaded.readonly)
    result = ExecutionResult(
        signature=transaction.signatures[0],
        err=meta.err,
        logs=list(meta.log_messages or []),
        compute_units_consumed=meta.compute_units_consumed or 0,
        return_data=b"" if return_data is None else bytes(return_data.data),
        return_program=None if return_data is None else return_data.program_id,
        inner_instructions=list(meta.inner_instructions or []),
    )
    return TransactionRecord(
        transaction=transaction,
        result=result,
        slot=int(found["slot"]),
        block_time=int(found.get("blockTime") or 0),
        fee=meta.fee,
        account_keys=keys,
        pre_balances=list(meta.pre_balances),
        post_balances=list(meta.post_balances),
    )


def _rejection(error: dict[str, Any]) -> TransactionRejected:
    data = error.get("data")
    err = None
    if isinstance(data, dict) and data.get("err") is not None:
        err = RpcSimulateTransactionResult.from_json(json.dumps({**_EMPTY_SIMULATION, "err": data["err"]})).err
    return TransactionRejected(err, str(error.get("message")))


_EMPTY_SIMULATION: Final = {"err": None, "logs": None, "accounts": None, "unitsConsumed": None, "returnData": None}
