use anchor_lang::prelude::*;
use io_common::pda;

use crate::errors::StakingError;
use crate::events::StakerRewardsDeposited;
use crate::state::{Node, RewardPool};

/// Called by the rewards program (CPI, signed by its `[MINT_AUTHORITY]` PDA) with the stakers'
/// part of a node's reward claim, which it has just paid from its reward vault into the staker
/// reward vault (`[STAKER_REWARD_VAULT]`, held by the staking config) in the same instruction:
/// the part is spread over the node's active shares. Only the rewards program can sign for
/// `rewards_authority`, so staking trusts the payment as it trusts the amount (the node's
/// Merkle leaf, checked by rewards). The transfer is the caller's so that this CPI carries two
/// accounts, not six. Account order is part of the cross-program contract: node,
/// rewards_authority.
#[derive(Accounts)]
pub struct DepositStakerRewards<'info> {
    /// A registered node (the rewards program's claim leaf names it). Hand-checked and updated
    /// in place (`RewardPool::distribute_in`: owner, Node discriminator, three fixed-offset
    /// fields): deserializing and writing back the whole Node cost rewards.claim ~2,400 units
    /// (measured 21,367 on Agave 4.1.2, budget 20,000).
    /// CHECK: owned by this program (owner); the handler checks the Node discriminator.
    #[account(mut, owner = crate::ID @ StakingError::WrongNode)]
    pub node: UncheckedAccount<'info>,
    /// The rewards program's `[MINT_AUTHORITY]` PDA (`config.rewards_authority`, which
    /// initialize sets to this address and nothing can change).
    #[account(address = pda::MINT_AUTHORITY @ StakingError::NotRewardsAuthority)]
    pub rewards_authority: Signer<'info>,
}

impl DepositStakerRewards<'_> {
    pub fn handler(&mut self, amount: u64) -> Result<()> {
        let mut data = self.node.try_borrow_mut_data()?;
        require!(
            data.starts_with(Node::DISCRIMINATOR),
            StakingError::WrongNode
        );
        // A small claim can round the stakers' part to 0; accept it so the claim goes through.
        if amount == 0 {
            return Ok(());
        }
        let pool = RewardPool::distribute_in(&mut data, amount)?;
        emit!(StakerRewardsDeposited {
            node: self.node.key(),
            amount,
            reward_per_share: pool.reward_per_share,
            undistributed_rewards: pool.undistributed_rewards,
        });
        Ok(())
    }
}
