use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::seeds;

use crate::errors::StakingError;
use crate::events::Staked;
use crate::state::{Node, StakePosition, StakingConfig, ACCOUNT_VERSION};

/// Stakes IO on a node, buying shares at the node's current share price. Creates the
/// staker's position on first use.
#[derive(Accounts)]
pub struct Stake<'info> {
    /// Owner of the IO being staked; pays for the position on first stake.
    #[account(mut)]
    pub staker: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, StakingConfig>>,
    #[account(
        mut,
        seeds = [seeds::NODE, node.node_key.as_ref()],
        bump = node.bump,
        constraint = node.active @ StakingError::NodeInactive,
    )]
    pub node: Box<Account<'info, Node>>,
    /// The staker's position on this node (PDA `[STAKE, node, staker]`). `init_if_needed`
    /// so one instruction serves the first and every later stake; the PDA binds it to this
    /// node and staker, and the handler fills it in only while it is fresh (version 0).
    #[account(
        init_if_needed,
        payer = staker,
        space = 8 + StakePosition::INIT_SPACE,
        seeds = [seeds::STAKE, node.key().as_ref(), staker.key().as_ref()],
        bump,
    )]
    pub position: Box<Account<'info, StakePosition>>,
    /// IO comes from here.
    #[account(
        mut,
        token::mint = config.io_mint,
        token::authority = staker,
    )]
    pub staker_token_account: Box<Account<'info, TokenAccount>>,
    #[account(mut, seeds = [seeds::STAKE_VAULT], bump = config.stake_vault_bump)]
    pub stake_vault: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Stake>, amount: u64) -> Result<()> {
    require_gt!(amount, 0, StakingError::ZeroAmount);
    let accounts = ctx.accounts;
    let node = &mut accounts.node;
    let position = &mut accounts.position;

    let new_total = node
        .total_stake
        .checked_add(amount)
        .ok_or(StakingError::MathOverflow)?;
    require!(
        new_total <= accounts.config.max_stake_per_node,
        StakingError::StakeCapExceeded
    );

    if position.version == 0 {
        // Fresh position: it starts with no claim on rewards already spread.
        position.set_inner(StakePosition {
            version: ACCOUNT_VERSION,
            bump: ctx.bumps.position,
            staker: accounts.staker.key(),
            node: node.key(),
            shares: 0,
            unbonding_shares: 0,
            unbonding_until: 0,
            reward_debt: node.reward_per_share,
            rewards_owed: 0,
            _reserved: [0; 64],
        });
    }

    let shares = node.shares_for_stake(amount)?;
    require!(shares > 0, StakingError::ZeroShares);
    // Rewards earned so far belong to the old share count.
    position.settle_rewards(node)?;
    node.add_stake(amount, shares)?;
    position.shares = position
        .shares
        .checked_add(shares)
        .ok_or(StakingError::MathOverflow)?;

    token::transfer(
        CpiContext::new(
            accounts.token_program.key(),
            Transfer {
                from: accounts.staker_token_account.to_account_info(),
                to: accounts.stake_vault.to_account_info(),
                authority: accounts.staker.to_account_info(),
            },
        ),
        amount,
    )?;

    emit!(Staked {
        node: node.key(),
        staker: accounts.staker.key(),
        amount,
        shares,
        node_total_stake: node.total_stake,
        node_total_shares: node.total_shares,
    });
    Ok(())
}
