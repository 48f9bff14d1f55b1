use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::pda::{create_pda_account, is_uncreated};
use io_common::seeds;

use crate::addresses::{self, canonical_bump};
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
    /// The `[CONFIG]` PDA: its compile-time address (a 32-byte compare, no derivation).
    #[account(address = addresses::CONFIG @ StakingError::WrongConfig)]
    pub config: Box<Account<'info, StakingConfig>>,
    /// Any registered node: owner + discriminator are its proof (only `register_node`
    /// creates `Node` accounts, always at `[NODE, node_key]`), so its seeds are not re-derived.
    #[account(mut, constraint = node.active @ StakingError::NodeInactive)]
    pub node: Box<Account<'info, Node>>,
    /// CHECK: the staker's position on this node, PDA `[STAKE, node, staker]`, checked by the
    /// handler: an existing one by owner + discriminator and its stored `staker` and `node`
    /// (`NotStaker` / `WrongNode`); an empty address is created after confirming it is the
    /// canonical PDA (`WrongPosition`). Not `init_if_needed`, which re-derives the address on
    /// every stake (1,500 units per bump step) and cannot create a pre-funded address.
    #[account(mut)]
    pub position: UncheckedAccount<'info>,
    /// IO comes from here.
    #[account(
        mut,
        token::mint = config.io_mint,
        token::authority = staker,
    )]
    pub staker_token_account: Box<Account<'info, TokenAccount>>,
    /// The `[STAKE_VAULT]` PDA (compile-time address).
    #[account(mut, address = addresses::STAKE_VAULT @ StakingError::WrongStakeVault)]
    pub stake_vault: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Stake>, amount: u64) -> Result<()> {
    require_gt!(amount, 0, StakingError::ZeroAmount);
    let accounts = ctx.accounts;
    let node = &mut accounts.node;
    let staker = accounts.staker.key();
    let node_key = node.key();

    let new_total = node
        .total_stake
        .checked_add(amount)
        .ok_or(StakingError::MathOverflow)?;
    require!(
        new_total <= accounts.config.max_stake_per_node,
        StakingError::StakeCapExceeded
    );

    let position_info = accounts.position.to_account_info();
    let mut position = if is_uncreated(&position_info) {
        // First stake (or the first after the position was closed). Only here is the
        // address derived; lamports someone sent to it in advance stay with the account.
        let seeds: [&[u8]; 3] = [seeds::STAKE, node_key.as_ref(), staker.as_ref()];
        let bump = canonical_bump(&seeds, position_info.key).ok_or(StakingError::WrongPosition)?;
        create_pda_account(
            &accounts.staker.to_account_info(),
            &position_info,
            &accounts.system_program.to_account_info(),
            8 + StakePosition::INIT_SPACE,
            &crate::ID,
            &[seeds[0], seeds[1], seeds[2], &[bump]],
        )?;
        // A fresh position has no claim on rewards already spread.
        StakePosition {
            version: ACCOUNT_VERSION,
            bump,
            staker,
            node: node_key,
            shares: 0,
            unbonding_shares: 0,
            unbonding_until: 0,
            reward_debt: node.reward_per_share,
            rewards_owed: 0,
            _reserved: [0; 64],
        }
    } else {
        // An existing position: this program's account (owner), a StakePosition
        // (discriminator), and it records this staker and node — the same relations
        // `has_one` checks elsewhere. Positions are only ever created at their canonical
        // PDA (above), so no other account can pass these checks.
        require_keys_eq!(
            *position_info.owner,
            crate::ID,
            anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram
        );
        let position = StakePosition::try_deserialize(&mut &position_info.try_borrow_data()?[..])?;
        require_keys_eq!(position.staker, staker, StakingError::NotStaker);
        require_keys_eq!(position.node, node_key, StakingError::WrongNode);
        position
    };

    let shares = node.shares_for_stake(amount)?;
    require!(shares > 0, StakingError::ZeroShares);
    // Rewards earned so far belong to the old share count.
    position.settle_rewards(node)?;
    node.add_stake(amount, shares)?;
    position.shares = position
        .shares
        .checked_add(shares)
        .ok_or(StakingError::MathOverflow)?;
    position.try_serialize(&mut &mut position_info.try_borrow_mut_data()?[..])?;

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
        node: node_key,
        staker,
        amount,
        shares,
        node_total_stake: node.total_stake,
        node_total_shares: node.total_shares,
    });
    Ok(())
}
