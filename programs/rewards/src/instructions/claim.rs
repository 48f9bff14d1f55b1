use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::merkle;
use io_common::seeds;
use staking::cpi::accounts::DepositStakerRewards;
use staking::program::Staking;
use staking::state::{Node, StakingConfig};

use crate::errors::RewardsError;
use crate::events::RewardClaimed;
use crate::state::{bps_share, ClaimReceipt, Epoch, RewardsConfig, CURRENT_VERSION};

#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct Claim<'info> {
    /// The rewards config: pins the mint, mint authority and vault addresses.
    #[account(
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = mint_authority @ RewardsError::UnexpectedAccount,
        has_one = reward_vault @ RewardsError::UnexpectedAccount,
    )]
    pub config: Box<Account<'info, RewardsConfig>>,

    /// The epoch's posted root, [EPOCH, epoch u64 LE].
    #[account(mut, seeds = [seeds::EPOCH, &epoch.to_le_bytes()], bump = epoch_root.bump)]
    pub epoch_root: Box<Account<'info, Epoch>>,

    /// The staking Node PDA that earned the reward; `Account` checks that the staking program
    /// owns it. Writable because the staker part is credited to its pool.
    #[account(mut)]
    pub node: Box<Account<'info, Node>>,

    /// [CLAIM, epoch u64 LE, node]; `init` fails if this node already claimed this epoch.
    #[account(
        init,
        payer = payer,
        space = 8 + ClaimReceipt::INIT_SPACE,
        seeds = [seeds::CLAIM, &epoch.to_le_bytes(), node.key().as_ref()],
        bump,
    )]
    pub claim_receipt: Box<Account<'info, ClaimReceipt>>,

    /// The node operator's IO token account (any account the operator owns, typically its ATA).
    #[account(
        mut,
        constraint = operator_token.mint == config.io_mint @ RewardsError::WrongMint,
        constraint = operator_token.owner == node.operator @ RewardsError::WrongTokenOwner,
    )]
    pub operator_token: Box<Account<'info, TokenAccount>>,

    /// Pays out the claim.
    #[account(mut)]
    pub reward_vault: Box<Account<'info, TokenAccount>>,

    /// CHECK: PDA [MINT_AUTHORITY], checked against the config; owns the reward vault and is
    /// the `rewards_authority` the staking program accepts deposits from.
    pub mint_authority: UncheckedAccount<'info>,

    /// The staking program's config; `Account` checks that the staking program owns it.
    pub staking_config: Box<Account<'info, StakingConfig>>,

    /// The staking program's staker reward vault: IO, held by the staking config.
    #[account(
        mut,
        constraint = staker_reward_vault.mint == config.io_mint @ RewardsError::WrongMint,
        constraint = staker_reward_vault.owner == staking_config.key() @ RewardsError::WrongTokenOwner,
    )]
    pub staker_reward_vault: Box<Account<'info, TokenAccount>>,

    /// Pays the claim receipt's rent; anyone may submit a claim.
    #[account(mut)]
    pub payer: Signer<'info>,

    pub staking_program: Program<'info, Staking>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl<'info> Claim<'info> {
    /// Pays `amount` for the node's leaf in `epoch`: the staker share to the node's staker pool
    /// (staking::deposit_staker_rewards), the rest to the operator.
    pub fn handler(
        &mut self,
        bump: u8,
        epoch: u64,
        amount: u64,
        proof: Vec<[u8; 32]>,
    ) -> Result<()> {
        require!(amount > 0, RewardsError::ZeroAmount);
        require!(
            proof.len() <= merkle::MAX_PROOF_LEN,
            RewardsError::ProofTooLong
        );
        let node_key = self.node.key();
        let leaf = merkle::reward_leaf(epoch, &node_key.to_bytes(), amount);
        require!(
            merkle::verify(&proof, &self.epoch_root.root, leaf),
            RewardsError::InvalidProof
        );
        self.epoch_root.record_claim(amount)?;

        let staker_amount = bps_share(amount, self.node.staker_share_bps)?;
        let operator_amount = amount
            .checked_sub(staker_amount)
            .ok_or(RewardsError::MathOverflow)?;
        let operator = self.node.operator;
        let now = Clock::get()?.unix_timestamp;
        self.claim_receipt.set_inner(ClaimReceipt {
            version: CURRENT_VERSION,
            epoch,
            node: node_key,
            amount,
            operator_amount,
            staker_amount,
            claimed_at: now,
            bump,
            _reserved: [0; 64],
        });

        let signer: &[&[&[u8]]] = &[&[seeds::MINT_AUTHORITY, &[self.config.mint_authority_bump]]];
        if operator_amount > 0 {
            token::transfer(
                CpiContext::new_with_signer(
                    self.token_program.key(),
                    Transfer {
                        from: self.reward_vault.to_account_info(),
                        to: self.operator_token.to_account_info(),
                        authority: self.mint_authority.to_account_info(),
                    },
                    signer,
                ),
                operator_amount,
            )?;
        }
        if staker_amount > 0 {
            staking::cpi::deposit_staker_rewards(
                CpiContext::new_with_signer(
                    self.staking_program.key(),
                    DepositStakerRewards {
                        config: self.staking_config.to_account_info(),
                        node: self.node.to_account_info(),
                        rewards_authority: self.mint_authority.to_account_info(),
                        source: self.reward_vault.to_account_info(),
                        staker_reward_vault: self.staker_reward_vault.to_account_info(),
                        token_program: self.token_program.to_account_info(),
                    },
                    signer,
                ),
                staker_amount,
            )?;
        }
        emit!(RewardClaimed {
            epoch,
            node: node_key,
            operator,
            amount,
            operator_amount,
            staker_amount,
            epoch_claimed: self.epoch_root.claimed,
        });
        Ok(())
    }
}
