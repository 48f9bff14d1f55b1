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
    pub stake_warmup_secs: i64,
}

/// Carries the whole configuration after the update.
#[event]
pub struct StakingConfigUpdated {
    pub admin: Pubkey,
    pub slashing_authority: Pubkey,
    /// Proposed admin waiting for its `accept_authority` (default: none).
    pub pending_admin: Pubkey,
    /// Proposed slashing authority waiting for its `accept_authority` (default: none).
    pub pending_slashing_authority: Pubkey,
    pub max_stake_per_node: u64,
    pub unstake_cooldown_secs: i64,
    /// The reporter share in force now.
    pub reporter_share_bps: u16,
    /// The reporter share from `reporter_share_effective_at` on (0: nothing pending).
    pub pending_reporter_share_bps: u16,
    pub reporter_share_effective_at: i64,
    pub max_slash_bps: u16,
    pub stake_warmup_secs: i64,
}

/// A pending authority signed `accept_authority`: the roles after it.
#[event]
pub struct AuthorityAccepted {
    /// The signer: now holds every role it was proposed for.
    pub authority: Pubkey,
    pub admin: Pubkey,
    pub slashing_authority: Pubkey,
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
    /// Proposed operator waiting for its `accept_node_operator` (default: none).
    pub pending_operator: Pubkey,
    pub gpu_model: String,
    pub tier: u8,
    /// The shares in force now.
    pub staker_share_bps: u16,
    pub token_share_bps: u16,
    /// The shares from `shares_effective_at` on (0: nothing pending).
    pub pending_staker_share_bps: u16,
    pub pending_token_share_bps: u16,
    pub shares_effective_at: i64,
    pub active: bool,
}

/// The proposed operator took the node over.
#[event]
pub struct NodeOperatorAccepted {
    pub node: Pubkey,
    pub previous_operator: Pubkey,
    pub operator: Pubkey,
}

#[event]
pub struct Staked {
    pub node: Pubkey,
    pub staker: Pubkey,
    pub amount: u64,
    /// Shares bought; they are activating until `activates_at`.
    pub shares: u128,
    pub activates_at: i64,
    pub node_total_stake: u64,
    pub node_total_shares: u128,
}

#[event]
pub struct Unstaked {
    pub node: Pubkey,
    pub staker: Pubkey,
    pub shares: u128,
    /// Of `shares`, those that were still activating (they never earned).
    pub from_activating: u128,
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

/// A position's warmed-up shares started earning.
#[event]
pub struct StakeActivated {
    pub node: Pubkey,
    pub staker: Pubkey,
    pub shares: u128,
    pub position_shares: u128,
    pub node_active_shares: u128,
}

/// A staker's position on a node was created.
#[event]
pub struct StakePositionOpened {
    pub node: Pubkey,
    pub staker: Pubkey,
    pub position: Pubkey,
}
