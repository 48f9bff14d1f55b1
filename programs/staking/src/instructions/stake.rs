use anchor_lang::prelude::*;
use anchor_lang::system_program;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::{pda, seeds};

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
    /// The `[CONFIG]` PDA.
    #[account(address = pda::STAKING_CONFIG @ StakingError::WrongConfig)]
    pub config: Box<Account<'info, StakingConfig>>,
    /// A registered node, active.
    #[account(
        mut,
        constraint = io_common::is_program_address!(&node.key(), [seeds::NODE, node.node_key.as_ref(), &[node.bump]], crate::ID)
            @ ErrorCode::ConstraintSeeds,
        constraint = node.active @ StakingError::NodeInactive,
    )]
    pub node: Box<Account<'info, Node>>,
    /// The staker's position on this node, PDA `[STAKE, node, staker]`: created by the first
    /// stake (also when someone sent lamports to the address beforehand), reused afterwards.
    /// Hand-written instead of `init_if_needed` + `seeds` + `bump`, which runs
    /// `find_program_address` on every stake: a first stake measured 16,136 CU at bump 255 and
    /// 31,136 at bump 245 with it, 11,997 and 16,056 here (budget 10,000). The handler checks an
    /// existing position as `Account<StakePosition>` does (owner, discriminator), that it records
    /// this staker and node (NotStaker / WrongNode) and sits at its PDA; an empty address must be
    /// the canonical PDA (WrongPosition) and is created there.
    /// CHECK: by the handler (`load_or_create_position`), as described above.
    #[account(mut)]
    pub position: UncheckedAccount<'info>,
    /// IO comes from here.
    #[account(
        mut,
        token::mint = config.io_mint,
        token::authority = staker,
    )]
    pub staker_token_account: Box<Account<'info, TokenAccount>>,
    /// The `[STAKE_VAULT]` PDA.
    #[account(mut, address = pda::STAKE_VAULT @ StakingError::WrongStakeVault)]
    pub stake_vault: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
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
            new_total <= self.config.max_stake_per_node,
            StakingError::StakeCapExceeded
        );

        let now = Clock::get()?.unix_timestamp;
        let mut position = self.load_or_create_position(self.node.reward_per_share)?;
        let node = &mut self.node;
        let shares = node.shares_for_stake(amount)?;
        require!(shares > 0, StakingError::ZeroShares);
        // A warmed-up batch starts earning before the new one joins (this settles the rewards
        // of the old active shares first).
        position.activate_if_due(node, now)?;
        // New shares earn nothing during the warm-up, so stake bought just before a claim
        // cannot take rewards earned before it existed.
        node.add_stake(amount, shares)?;
        position.add_activating(shares, now, self.config.stake_warmup_secs)?;
        position.try_serialize(&mut &mut self.position.try_borrow_mut_data()?[..])?;

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

    /// The staker's position: loaded when it exists (owner + discriminator, as `Account`, and
    /// the staker and node it records: what `has_one` checks), else created at the canonical
    /// PDA `[STAKE, node, staker]` the way `init` creates an account (`CreateAccount`, or
    /// `CreateAccountAllowPrefund` where lamports were sent first). Only the creation confirms
    /// the canonical bump (`pda::canonical_bump`, ~400 CU a bump step where
    /// `find_program_address` takes 1,500); an existing position's address is checked with its
    /// stored bump, as everywhere else.
    fn load_or_create_position(&self, reward_per_share: u128) -> Result<StakePosition> {
        let info = self.position.to_account_info();
        let staker = self.staker.key();
        let node = self.node.key();
        if info.owner != &system_program::ID || !info.data_is_empty() {
            // What `Account<StakePosition>` checks: this program's account, a StakePosition.
            require_keys_eq!(
                *info.owner,
                crate::ID,
                anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram
            );
            let position = StakePosition::try_deserialize(&mut &info.try_borrow_data()?[..])?;
            require_keys_eq!(position.staker, staker, StakingError::NotStaker);
            require_keys_eq!(position.node, node, StakingError::WrongNode);
            // What `seeds` + `bump = position.bump` checks (see `StakePosition`).
            require!(
                io_common::is_program_address!(
                    info.key,
                    [
                        seeds::STAKE,
                        node.as_ref(),
                        staker.as_ref(),
                        &[position.bump]
                    ],
                    crate::ID
                ),
                anchor_lang::error::ErrorCode::ConstraintSeeds
            );
            return Ok(position);
        }
        let seeds: [&[u8]; 3] = [seeds::STAKE, node.as_ref(), staker.as_ref()];
        let bump =
            pda::canonical_bump(&seeds, info.key, &crate::ID).ok_or(StakingError::WrongPosition)?;
        pda::create_account(
            &self.staker.to_account_info(),
            &info,
            &self.system_program.to_account_info(),
            &[seeds[0], seeds[1], seeds[2], &[bump]],
            8 + StakePosition::INIT_SPACE,
            &crate::ID,
        )?;
        // A fresh position has no claim on rewards already spread (written by the handler).
        let position = StakePosition {
            version: ACCOUNT_VERSION,
            bump,
            staker,
            node,
            shares: 0,
            unbonding_shares: 0,
            unbonding_until: 0,
            reward_debt: reward_per_share,
            rewards_owed: 0,
            activating_shares: 0,
            activates_at: 0,
            _reserved: [0; 40],
        };
        Ok(position)
    }
}
