use anchor_lang::prelude::*;

#[event]
pub struct StakingInitialized {
    pub config: Pubkey,
    pub admin: Pubkey,
    pub slashing_authority: Pubkey,
    pub io_mint: Pubkey,
    pub rewards_authority: Pubkey,
    pub burn_vault: Pubkey,
    pub stake_vault: Pubkey,
    pub staker_reward_vault: Pubkey,
    pub max_stake_per_node: u64,
    pub unstake_cooldown_secs: i64,
    pub reporter_share_bps: u16,
    pub max_slash_bps: u16,
}

/// Carries the whole configuration after the update.
#[event]
pub struct StakingConfigUpdated {
    pub admin: Pubkey,
    pub slashing_authority: Pubkey,
    pub max_stake_per_node: u64,
    pub unstake_cooldown_secs: i64,
    /// The reporter share in force now.
    pub reporter_share_bps: u16,
    /// The reporter share from `reporter_share_effective_at` on (0: nothing pending).
    pub pending_reporter_share_bps: u16,
    pub reporter_share_effective_at: i64,
    pub max_slash_bps: u16,
}

#[event]
pub struct NodeRegistered {
    pub node: Pubkey,
    pub operator: Pubkey,
    pub node_key: Pubkey,
    pub gpu_model: String,
    pub tier: u8,
    pub staker_share_bps: u16,
    pub token_share_bps: u16,
    pub registered_at: i64,
}

/// Carries the node's settings after the update.
#[event]
pub struct NodeUpdated {
    pub node: Pubkey,
    pub operator: Pubkey,
    pub gpu_model: String,
    pub tier: u8,
    pub staker_share_bps: u16,
    pub token_share_bps: u16,
    pub active: bool,
}

#[event]
pub struct Staked {
    pub node: Pubkey,
    pub staker: Pubkey,
    pub amount: u64,
    pub shares: u128,
    pub node_total_stake: u64,
    pub node_total_shares: u128,
}

#[event]
pub struct Unstaked {
    pub node: Pubkey,
    pub staker: Pubkey,
    pub shares: u128,
    pub unbonding_shares: u128,
    pub unbonding_until: i64,
}

#[event]
pub struct Withdrawn {
    pub node: Pubkey,
    pub staker: Pubkey,
    pub shares: u128,
    pub amount: u64,
    pub node_total_stake: u64,
    pub node_total_shares: u128,
}

#[event]
pub struct NodeSlashed {
    pub node: Pubkey,
    pub slash_record: Pubkey,
    pub index: u32,
    pub authority: Pubkey,
    pub fraction_bps: u16,
    pub amount: u64,
    pub burned: u64,
    pub reporter: Pubkey,
    pub reporter_amount: u64,
    pub evidence_hash: [u8; 32],
    /// PDA `[SLASH_EVIDENCE, evidence_hash]`: marks the evidence as used.
    pub evidence: Pubkey,
    pub reason: String,
    pub stake_before: u64,
    pub stake_after: u64,
    pub timestamp: i64,
}

#[event]
pub struct StakerRewardsDeposited {
    pub node: Pubkey,
    pub amount: u64,
    pub reward_per_share: u128,
    pub undistributed_rewards: u64,
}

#[event]
pub struct StakerRewardsClaimed {
    pub node: Pubkey,
    pub staker: Pubkey,
    pub amount: u64,
}

#[event]
pub struct StakePositionClosed {
    pub node: Pubkey,
    pub staker: Pubkey,
}
