//! PDA seeds. One place, so programs, keeper and explorer derive the same addresses.

pub const CONFIG: &[u8] = b"config";

// escrow
pub const JOB: &[u8] = b"job";
/// `[ESCROW_VAULT, mint]`: the escrow's token account of a payment mint, holding every open
/// job's deposit in that mint (authority: the escrow config PDA).
pub const ESCROW_VAULT: &[u8] = b"escrow_vault";
pub const RENTER: &[u8] = b"renter";

// staking
pub const NODE: &[u8] = b"node";
pub const STAKE: &[u8] = b"stake";
pub const STAKE_VAULT: &[u8] = b"stake_vault";
pub const STAKER_REWARD_VAULT: &[u8] = b"staker_reward_vault";
pub const SLASH: &[u8] = b"slash";

// rewards
pub const IO_MINT: &[u8] = b"io_mint";
pub const MINT_AUTHORITY: &[u8] = b"mint_authority";
pub const EMISSION: &[u8] = b"emission";
pub const REWARD_VAULT: &[u8] = b"reward_vault";
pub const BURN_VAULT: &[u8] = b"burn_vault";
pub const BURN_LEDGER: &[u8] = b"burn_ledger";
pub const BURN_EPOCH: &[u8] = b"burn_epoch";
pub const EPOCH: &[u8] = b"epoch";
pub const CLAIM: &[u8] = b"claim";

// provenance
pub const BATCH: &[u8] = b"batch";
