use anchor_lang::prelude::*;

#[error_code]
pub enum StakingError {
    #[msg("Signer is not the staking admin")]
    NotAdmin,
    #[msg("Signer is not the slashing authority")]
    NotSlashingAuthority,
    #[msg("Signer is not the node's operator")]
    NotOperator,
    #[msg("Signer is not the position's staker")]
    NotStaker,
    #[msg("Signer is not the rewards program's authority")]
    NotRewardsAuthority,
    #[msg("An authority key may not be the default (all-zero) key")]
    InvalidAuthority,
    #[msg("Mint is not the IO mint")]
    WrongMint,
    #[msg("IO mint must have 9 decimals")]
    InvalidMintDecimals,
    #[msg("Account is not the configured burn vault")]
    WrongBurnVault,
    #[msg("Position does not belong to this node")]
    WrongNode,
    #[msg("Reporter share must be at most 2000 bps")]
    InvalidReporterShare,
    #[msg("Unstake cooldown must be within 1 hour..=365 days")]
    InvalidCooldown,
    #[msg("Max stake per node must be within 1..=800,000,000 IO")]
    InvalidMaxStake,
    #[msg("GPU model is longer than 32 bytes")]
    GpuModelTooLong,
    #[msg("Staker share must be between 100 and 300 bps")]
    InvalidStakerShare,
    #[msg("Token share must be at most 10000 bps")]
    InvalidTokenShare,
    #[msg("Node is not active")]
    NodeInactive,
    #[msg("Amount must be positive")]
    ZeroAmount,
    #[msg("Stake would exceed the node's stake cap")]
    StakeCapExceeded,
    #[msg("Amount buys no shares at the current share price")]
    ZeroShares,
    #[msg("Node was slashed to zero; its old shares must be withdrawn before new stake")]
    PoolWipedOut,
    #[msg("Node's share supply is exhausted (it was slashed to a tiny fraction)")]
    ShareSupplyExceeded,
    #[msg("Position does not hold that many shares")]
    InsufficientShares,
    #[msg("Nothing is unbonding")]
    NothingToWithdraw,
    #[msg("Unstake cooldown has not elapsed")]
    CooldownNotElapsed,
    #[msg("Slash fraction must be between 1 and 10000 bps")]
    InvalidSlashFraction,
    #[msg("Slash would take nothing")]
    NothingToSlash,
    #[msg("Slash reason is longer than 64 bytes")]
    ReasonTooLong,
    #[msg("No rewards to claim")]
    NothingToClaim,
    #[msg("Position still holds shares or unclaimed rewards")]
    PositionNotEmpty,
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("Account is not the staking config")]
    WrongConfig,
    #[msg("Account is not the stake vault")]
    WrongStakeVault,
    #[msg("Account is not the staker reward vault")]
    WrongStakerRewardVault,
    #[msg("Account is not the staker's stake position PDA on this node")]
    WrongPosition,
    #[msg("Previous slash record is not the node's latest")]
    NotLatestSlashRecord,
    #[msg("The node's latest slash was for the same evidence")]
    EvidenceAlreadySlashed,
    #[msg("Signer is not the upgrade authority recorded in the program's ProgramData")]
    NotUpgradeAuthority,
    #[msg("Account is not this program's ProgramData")]
    WrongProgramData,
    #[msg("Slash fraction exceeds the configured per-slash cap")]
    SlashExceedsCap,
    #[msg("Per-slash cap must be within 1..=10000 bps")]
    InvalidSlashCap,
    #[msg("Slash record is not the one the evidence was used for")]
    WrongSlashRecord,
    #[msg("Stake warm-up must be within 49 hours + 1 second..=30 days")]
    InvalidWarmup,
    #[msg("Signer is not a pending authority of this account")]
    NothingToAccept,
    #[msg("Position has no activating shares")]
    NothingToActivate,
    #[msg("Stake warm-up has not elapsed")]
    WarmupNotElapsed,
}
