use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::pda;

use crate::errors::StakingError;
use crate::events::Staked;
use crate::state::{LazyStakingConfig, Node, StakePosition, StakingConfig};

/// Stakes IO on a node, buying shares at the node's current share price. Creates the
/// staker's position on first use.
#[derive(Accounts)]
pub struct Stake<'info> {
    /// Owner of the IO being staked.
    pub staker: Signer<'info>,
    /// The `[CONFIG]` PDA. Lazy: two settings are read (the whole config costs ~600 CU;
    /// stake's budget is 10,000).
    #[account(address = pda::STAKING_CONFIG @ StakingError::WrongConfig)]
    pub config: LazyAccount<'info, StakingConfig>,
    /// A registered node, active.
    #[account(
        mut,
        constraint = node.active @ StakingError::NodeInactive,
    )]
    pub node: Box<Account<'info, Node>>,
    /// The staker's position on this node (`open_stake_position`, created only at its PDA
    /// `[STAKE, node, staker]`).
    #[account(
        mut,
        has_one = staker @ StakingError::NotStaker,
        has_one = node @ StakingError::WrongNode,
    )]
    pub position: Box<Account<'info, StakePosition>>,
    /// IO comes from here.
    #[account(
        mut,
        token::mint = pda::IO_MINT,
        token::authority = staker,
    )]
    pub staker_token_account: Box<Account<'info, TokenAccount>>,
    /// The `[STAKE_VAULT]` PDA.
    /// CHECK: the fixed address (a token account created at initialize).
    #[account(mut, address = pda::STAKE_VAULT @ StakingError::WrongStakeVault)]
    pub stake_vault: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

impl Stake<'_> {
    pub fn handler(&mut self, amount: u64) -> Result<()> {
        require_gt!(amount, 0, StakingError::ZeroAmount);
        let new_total = self
            .node
            .total_stake
            .checked_add(amount)
            .ok_or(StakingError::MathOverflow)?;
        require!(
            new_total <= *self.config.load_max_stake_per_node()?,
            StakingError::StakeCapExceeded
        );

        let now = Clock::get()?.unix_timestamp;
        let node = &mut self.node;
        let position = &mut self.position;
        let shares = node.shares_for_stake(amount)?;
        require!(shares > 0, StakingError::ZeroShares);
        // A warmed-up batch starts earning before the new one joins (this settles the rewards
        // of the old active shares first).
        position.activate_if_due(node, now)?;
        // New shares earn nothing during the warm-up, so stake bought just before a claim
        // cannot take rewards earned before it existed.
        node.add_stake(amount, shares)?;
        let warmup_secs = *self.config.load_stake_warmup_secs()?;
        position.add_activating(shares, now, warmup_secs)?;

        token::transfer(
            CpiContext::new(
                self.token_program.key(),
                Transfer {
                    from: self.staker_token_account.to_account_info(),
                    to: self.stake_vault.to_account_info(),
                    authority: self.staker.to_account_info(),
                },
            ),
            amount,
        )?;

        emit!(Staked {
            node: node.key(),
            staker: self.staker.key(),
            amount,
            shares,
            activates_at: position.activates_at,
            node_total_stake: node.total_stake,
            node_total_shares: node.total_shares,
        });
        Ok(())
    }
}
