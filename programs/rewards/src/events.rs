use anchor_lang::prelude::*;

#[event]
pub struct RewardsInitialized {
    pub admin: Pubkey,
    pub keeper_authority: Pubkey,
    pub io_mint: Pubkey,
    pub mint_authority: Pubkey,
    pub reward_vault: Pubkey,
    pub burn_vault: Pubkey,
    /// Hour 0 of the emission schedule starts here (unix seconds).
    pub start_ts: i64,
}

/// The roles after `update_config`: proposals wait in the pending fields (default: none).
#[event]
pub struct ConfigUpdated {
    pub admin: Pubkey,
    pub keeper_authority: Pubkey,
    pub pending_admin: Pubkey,
    pub pending_keeper_authority: Pubkey,
}

/// A pending authority signed `accept_authority`: the roles after it.
#[event]
pub struct AuthorityAccepted {
    /// The signer: now holds every role it was proposed for.
    pub authority: Pubkey,
    pub admin: Pubkey,
    pub keeper_authority: Pubkey,
}

#[event]
pub struct GenesisMinted {
    pub destination: Pubkey,
    pub amount: u64,
    pub supply: u64,
}

/// Hours `first_hour ..= last_hour` were emitted into the reward vault.
#[event]
pub struct HoursEmitted {
    pub first_hour: u64,
    pub last_hour: u64,
    pub amount: u64,
    pub emitted_total: u64,
    pub supply: u64,
}

#[event]
pub struct EpochRootPosted {
    pub epoch: u64,
    pub root: [u8; 32],
    pub total: u64,
    pub leaf_count: u32,
    pub allocated_total: u64,
}

#[event]
pub struct ClaimReceiptClosed {
    pub epoch: u64,
    pub node: Pubkey,
    pub payer: Pubkey,
    /// Lamports returned to the payer.
    pub rent: u64,
}

#[event]
pub struct RewardClaimed {
    pub epoch: u64,
    /// The staking Node PDA.
    pub node: Pubkey,
    pub operator: Pubkey,
    pub amount: u64,
    /// Paid to the operator's IO token account.
    pub operator_amount: u64,
    /// Deposited into the node's staker pool.
    pub staker_amount: u64,
    /// The stakers' part returned to the unallocated pool (claim after the staker reward
    /// window; 0 otherwise).
    pub staker_returned: u64,
    pub epoch_claimed: u64,
    /// After a late claim, the emission's `allocated_total` (None: an on-time claim left it).
    pub allocated_total: Option<u64>,
}

#[event]
pub struct Burned {
    pub epoch: u64,
    pub amount: u64,
    pub epoch_burned: u64,
    pub total_burned: u64,
    pub supply: u64,
}

#[event]
pub struct EpochRootExpired {
    pub epoch: u64,
    pub total: u64,
    pub claimed: u64,
    /// Returned to the unallocated pool.
    pub unclaimed: u64,
    pub allocated_total: u64,
    pub expired_at: i64,
}
