"""Pydantic models of the JSON-RPC methods' positional parameters and their config objects.

Config objects ignore unknown keys, as Agave does (serde without deny_unknown_fields);
explicit nulls (solders sends `"dataSlice": null`) mean "not given".
"""

from __future__ import annotations

import base64
import builtins
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Self, TypeVar

import based58
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError, model_validator
from pydantic.alias_generators import to_camel
from solders.hash import Hash
from solders.pubkey import Pubkey
from solders.signature import Signature

from keeper.localnet.node.errors import INVALID_PARAMS, RpcError, invalid_param, invalid_params

# Agave's limits on list parameters.
MAX_MULTIPLE_ACCOUNTS = 100
MAX_SIGNATURE_STATUSES = 256
MAX_PROGRAM_ACCOUNT_FILTERS = 4
MAX_MEMCMP_BYTES = 128
MAX_SIGNATURES_FOR_ADDRESS = 1_000
# Commitments that read no further than a confirmed block (Agave's `is_at_least_confirmed`).
BELOW_CONFIRMED = ("processed", "recent")


def _parse_with(parser: Any, what: str) -> Any:
    def parse(value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"{what} must be a string")
        try:
            return parser(value)
        except Exception as error:  # solders raises its own ParseHashError etc., not ValueError
            raise ValueError(f"invalid {what}: {value!r}") from error

    return parse


PubkeyParam = Annotated[Pubkey, PlainValidator(_parse_with(Pubkey.from_string, "pubkey"))]
SignatureParam = Annotated[Signature, PlainValidator(_parse_with(Signature.from_string, "signature"))]
HashParam = Annotated[Hash, PlainValidator(_parse_with(Hash.from_string, "blockhash"))]
Commitment = Literal["processed", "confirmed", "finalized", "recent", "single", "singleGossip", "root", "max"]
AccountEncoding = Literal["base58", "base64", "base64+zstd", "jsonParsed", "binary"]
TransactionEncoding = Literal["json", "jsonParsed", "base58", "base64", "binary"]


class ConfigObject(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True, arbitrary_types_allowed=True)


class CommitmentConfig(ConfigObject):
    commitment: Commitment | None = None
    min_context_slot: int | None = Field(default=None, ge=0)


class DataSlice(ConfigObject):
    offset: int = Field(ge=0)
    length: int = Field(ge=0)


class AccountInfoConfig(CommitmentConfig):
    encoding: AccountEncoding | None = None
    data_slice: DataSlice | None = None


class Memcmp(ConfigObject):
    offset: int = Field(ge=0)
    bytes: str
    encoding: Literal["base58", "base64"] | None = None

    def decoded(self) -> builtins.bytes:
        if self.encoding == "base64":
            return base64.b64decode(self.bytes, validate=True)
        if len(self.bytes) > MAX_MEMCMP_BYTES:
            raise ValueError(f"memcmp base58 bytes longer than {MAX_MEMCMP_BYTES} characters")
        return based58.b58decode(self.bytes.encode())


class MemcmpFilter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    memcmp: Memcmp


class DataSizeFilter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    data_size: int = Field(alias="dataSize", ge=0)


class ProgramAccountsConfig(AccountInfoConfig):
    filters: list[MemcmpFilter | DataSizeFilter] | None = Field(default=None, max_length=MAX_PROGRAM_ACCOUNT_FILTERS)
    with_context: bool | None = None


class SendTransactionConfig(ConfigObject):
    skip_preflight: bool = False
    preflight_commitment: Commitment | None = None
    encoding: Literal["base58", "base64"] | None = None
    max_retries: int | None = Field(default=None, ge=0)
    min_context_slot: int | None = Field(default=None, ge=0)


class SimulateAccounts(ConfigObject):
    addresses: list[PubkeyParam] = Field(max_length=MAX_MULTIPLE_ACCOUNTS)
    encoding: AccountEncoding | None = None


class SimulateTransactionConfig(ConfigObject):
    sig_verify: bool = False
    replace_recent_blockhash: bool = False
    commitment: Commitment | None = None
    encoding: Literal["base58", "base64"] | None = None
    accounts: SimulateAccounts | None = None
    min_context_slot: int | None = Field(default=None, ge=0)
    inner_instructions: bool = False

    @model_validator(mode="after")
    def _exclusive_options(self) -> Self:
        if self.sig_verify and self.replace_recent_blockhash:
            raise ValueError("sigVerify may not be used with replaceRecentBlockhash")
        return self


class TransactionConfig(CommitmentConfig):
    encoding: TransactionEncoding | None = None
    max_supported_transaction_version: int | None = Field(default=None, ge=0)


class SignaturesForAddressConfig(CommitmentConfig):
    # Strings, not SignatureParam: like the address, Agave parses them after deserialising the
    # request and reports a bad one as "Invalid param" (see SignaturesForAddressParams.query).
    before: str | None = None
    until: str | None = None
    # Strict: Agave's usize does not take "10" or 10.0.
    limit: int | None = Field(default=None, strict=True)


class SignatureStatusConfig(ConfigObject):
    search_transaction_history: bool = False


# --- positional parameter lists -------------------------------------------------------------


class PositionalParams(BaseModel):
    """Fields, in declaration order, are the method's positional parameters."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    @classmethod
    def parse(cls, params: Any) -> Self:
        if params is None:
            params = []
        if not isinstance(params, list):
            raise invalid_params("params must be an array")
        names = list(cls.model_fields)
        if len(params) > len(names):
            raise invalid_params(f"expected at most {len(names)} parameters, got {len(params)}")
        try:
            return cls.model_validate(dict(zip(names, params, strict=False)))
        except ValidationError as error:
            raise invalid_params(_summarise(error)) from None


def _summarise(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "params"
        parts.append(f"{location}: {item['msg']}")
    return "; ".join(parts)


class NoParams(PositionalParams):
    pass


class CommitmentOnly(PositionalParams):
    config: CommitmentConfig | None = None


class AddressParams(PositionalParams):
    pubkey: PubkeyParam
    config: CommitmentConfig | None = None


class AccountInfoParams(PositionalParams):
    pubkey: PubkeyParam
    config: AccountInfoConfig | None = None


class MultipleAccountsParams(PositionalParams):
    pubkeys: list[PubkeyParam] = Field(max_length=MAX_MULTIPLE_ACCOUNTS)
    config: AccountInfoConfig | None = None


class ProgramAccountsParams(PositionalParams):
    program_id: PubkeyParam
    config: ProgramAccountsConfig | None = None


class IsBlockhashValidParams(PositionalParams):
    blockhash: HashParam
    config: CommitmentConfig | None = None


class SendTransactionParams(PositionalParams):
    transaction: str
    config: SendTransactionConfig | None = None


class SimulateTransactionParams(PositionalParams):
    transaction: str
    config: SimulateTransactionConfig | None = None


class SignatureStatusesParams(PositionalParams):
    signatures: list[SignatureParam] = Field(max_length=MAX_SIGNATURE_STATUSES)
    config: SignatureStatusConfig | None = None


class GetTransactionParams(PositionalParams):
    signature: SignatureParam
    # Old clients pass the encoding as a bare string instead of a config object.
    config: TransactionConfig | TransactionEncoding | None = None

    def transaction_config(self) -> TransactionConfig:
        if isinstance(self.config, str):
            return TransactionConfig(encoding=self.config)
        return self.config or TransactionConfig()


class RentExemptionParams(PositionalParams):
    data_len: int = Field(ge=0, le=10 * 1024 * 1024)
    config: CommitmentConfig | None = None


class AirdropParams(PositionalParams):
    pubkey: PubkeyParam
    lamports: int = Field(gt=0, lt=2**64)
    config: CommitmentConfig | None = None


class FeeForMessageParams(PositionalParams):
    message: str
    config: CommitmentConfig | None = None


@dataclass(frozen=True)
class SignaturesForAddressQuery:
    address: Pubkey
    limit: int
    before: Signature | None
    until: Signature | None


class SignaturesForAddressParams(PositionalParams):
    address: str
    config: SignaturesForAddressConfig | None = None

    def query(self) -> SignaturesForAddressQuery:
        """The parsed values, raising -32602 with Agave's checks in Agave's order."""
        config = self.config or SignaturesForAddressConfig()
        address = _parse_value(Pubkey.from_string, self.address, "address", "pubkey")
        before = None if config.before is None else _parse_value(Signature.from_string, config.before, "before", "signature")
        until = None if config.until is None else _parse_value(Signature.from_string, config.until, "until", "signature")
        limit = MAX_SIGNATURES_FOR_ADDRESS if config.limit is None else config.limit
        if not 1 <= limit <= MAX_SIGNATURES_FOR_ADDRESS:
            # Agave's wording (it names only the maximum), plus the value that was refused.
            raise RpcError(INVALID_PARAMS, f"Invalid limit; max {MAX_SIGNATURES_FOR_ADDRESS} (got {limit})")
        if config.commitment in BELOW_CONFIRMED:
            # Agave lists signatures from confirmed blocks only and refuses to pretend otherwise.
            raise RpcError(INVALID_PARAMS, "Method does not support commitment below `confirmed`")
        return SignaturesForAddressQuery(address, limit, before, until)


Parsed = TypeVar("Parsed")


def _parse_value(parser: Callable[[str], Parsed], value: str, name: str, what: str) -> Parsed:
    try:
        return parser(value)
    except ValueError as error:
        raise invalid_param(f"{name}: invalid {what} {value!r} ({error})") from None


# --- the localnet's development methods (`localnet_*`) ----------------------------------------


class AccountState(ConfigObject):
    lamports: int = Field(ge=0, lt=2**64)
    data: tuple[str, Literal["base64"]]
    owner: PubkeyParam
    executable: bool = False

    def decoded_data(self) -> bytes:
        try:
            return base64.b64decode(self.data[0], validate=True)
        except ValueError as error:
            raise invalid_param(f"account data: {error}") from None


class SetAccountParams(PositionalParams):
    pubkey: PubkeyParam
    account: AccountState


class ClockChange(ConfigObject):
    slot: int | None = Field(default=None, ge=0, lt=2**64)
    unix_timestamp: int | None = Field(default=None, ge=-(2**63), lt=2**63)


class SetClockParams(PositionalParams):
    change: ClockChange


class ProduceBlocksParams(PositionalParams):
    count: int = Field(ge=1, le=1_000_000)


class RevertParams(PositionalParams):
    snapshot_id: int = Field(ge=0)


# --- token, block and cluster reads -----------------------------------------------------------

MAX_BLOCK_RANGE = 500_000
MAX_PRIORITIZATION_FEE_ADDRESSES = 128
MAX_PERFORMANCE_SAMPLES = 720
MAX_TOKEN_LARGEST_ACCOUNTS = 20


class MintFilter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)
    mint: PubkeyParam


class ProgramIdFilter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, populate_by_name=True)
    program_id: PubkeyParam = Field(alias="programId")


class TokenAccountsParams(PositionalParams):
    """getTokenAccountsByOwner / getTokenAccountsByDelegate."""

    pubkey: PubkeyParam
    filter: MintFilter | ProgramIdFilter
    config: AccountInfoConfig | None = None


class BlockConfig(CommitmentConfig):
    encoding: TransactionEncoding | None = None
    transaction_details: Literal["full", "signatures", "none", "accounts"] | None = None
    rewards: bool | None = None
    max_supported_transaction_version: int | None = Field(default=None, ge=0)


class BlockParams(PositionalParams):
    slot: int = Field(ge=0, strict=True)
    # Old clients pass the encoding as a bare string instead of a config object.
    config: BlockConfig | TransactionEncoding | None = None

    def block_config(self) -> BlockConfig:
        if isinstance(self.config, str):
            return BlockConfig(encoding=self.config)
        return self.config or BlockConfig()


class BlocksParams(PositionalParams):
    start_slot: int = Field(ge=0, strict=True)
    # getBlocks: the end slot, or the config in its place.
    end_slot: int | CommitmentConfig | None = None
    config: CommitmentConfig | None = None


class BlocksWithLimitParams(PositionalParams):
    start_slot: int = Field(ge=0, strict=True)
    limit: int = Field(ge=0, strict=True)
    config: CommitmentConfig | None = None


class SlotParams(PositionalParams):
    slot: int = Field(ge=0, strict=True)


class PrioritizationFeesParams(PositionalParams):
    addresses: list[PubkeyParam] | None = None


class PerformanceSamplesParams(PositionalParams):
    limit: int | None = Field(default=None, ge=0, strict=True)


class LeaderScheduleConfig(CommitmentConfig):
    identity: PubkeyParam | None = None


class LeaderScheduleParams(PositionalParams):
    # A slot, or the config in its place; null: the current epoch.
    slot: int | LeaderScheduleConfig | None = None
    config: LeaderScheduleConfig | None = None


# --- PubSub (WebSocket) subscriptions ---------------------------------------------------------


class SignatureSubscribeConfig(ConfigObject):
    commitment: Commitment | None = None
    enable_received_notification: bool | None = None  # solana-py sends an explicit null


class SignatureSubscribeParams(PositionalParams):
    signature: SignatureParam
    config: SignatureSubscribeConfig | None = None


class AccountSubscribeParams(PositionalParams):
    pubkey: PubkeyParam
    config: AccountInfoConfig | None = None


class ProgramSubscribeParams(PositionalParams):
    program_id: PubkeyParam
    config: ProgramAccountsConfig | None = None


class LogsMentions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    mentions: list[str]


class LogsSubscribeParams(PositionalParams):
    filter: Literal["all", "allWithVotes"] | LogsMentions
    config: CommitmentConfig | None = None

    def mentioned(self) -> Pubkey | None:
        """The one address of a `mentions` filter (Agave takes exactly one), None for all."""
        if not isinstance(self.filter, LogsMentions):
            return None
        if len(self.filter.mentions) != 1:
            raise invalid_params("Invalid Request: Only 1 address supported")
        return _parse_value(Pubkey.from_string, self.filter.mentions[0], "mentions", "pubkey")


class UnsubscribeParams(PositionalParams):
    subscription_id: int = Field(ge=0, strict=True)
