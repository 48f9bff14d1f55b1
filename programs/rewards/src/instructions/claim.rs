use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::economics::share_floor;
use io_common::{merkle, pda, seeds};
use staking::cpi::accounts::DepositStakerRewards;
use staking::program::Staking;
use staking::state::Node;

use crate::errors::RewardsError;
use crate::events::RewardClaimed;
use crate::state::{ClaimReceipt, EmissionState, Epoch, ACCOUNT_VERSION};

#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct Claim<'info> {
    /// The rewards config. Nothing of it is read: the addresses it records are the fixed PDAs
    /// checked below.
    /// CHECK: the rewards config PDA (address).
    #[account(address = pda::REWARDS_CONFIG @ RewardsError::UnexpectedAccount)]
    pub config: UncheckedAccount<'info>,

    /// The epoch's posted root (created only by `post_epoch_root`, once per epoch, at its PDA
    /// [EPOCH, epoch u64 LE]), so the Epoch that stores `epoch` is that PDA.
    #[account(
        mut,
        constraint = io_common::is_program_address!(&epoch_root.key(), [seeds::EPOCH, &epoch.to_le_bytes(), &[epoch_root.bump]], crate::ID)
            @ ErrorCode::ConstraintSeeds,
    )]
    pub epoch_root: Box<Account<'info, Epoch>>,

    /// Emission state: a late claim's staker part leaves its `allocated_total`, updated in place
    /// at the layout's fixed offset (`EmissionState::ALLOCATED_TOTAL_OFFSET`) and only by a late
    /// claim: deserializing and writing the whole account back cost every claim about 2,700
    /// units (measured on Agave 4.1.2; budget 20,000).
    /// CHECK: the [EMISSION] PDA (address) owned by this program (owner): `initialize` created
    /// it there as the EmissionState, and nothing else can live at that address.
    #[account(
        mut,
        address = pda::EMISSION @ RewardsError::UnexpectedAccount,
        owner = crate::ID @ RewardsError::UnexpectedAccount,
    )]
    pub emission: UncheckedAccount<'info>,

    /// The staking Node that earned the reward (the leaf names it). Writable: staking credits
    /// the staker part to its pool.
    #[account(mut)]
    pub node: Box<Account<'info, Node>>,

    /// PDA [CLAIM, epoch u64 LE, node]: created by the node's claim of the epoch (also when
    /// someone sent lamports to the address beforehand), never closed, so a second claim
    /// fails in the system program (account already in use).
    #[account(
        init,
        payer = payer,
        space = 8 + ClaimReceipt::INIT_SPACE,
        seeds = [seeds::CLAIM, &epoch.to_le_bytes(), node.key().as_ref()],
        bump,
    )]
    pub claim_receipt: Box<Account<'info, ClaimReceipt>>,

    /// An IO token account of the node's operator (any one it owns, typically its ATA).
    #[account(
        mut,
        token::mint = pda::IO_MINT,
        token::authority = node.operator,
    )]
    pub operator_token: Box<Account<'info, TokenAccount>>,

    /// Pays out the claim.
    /// CHECK: the reward vault PDA (address): `initialize` created it as the IO token account
    /// of the mint authority; the token program checks balance and authority on each transfer.
    #[account(mut, address = pda::REWARD_VAULT @ RewardsError::UnexpectedAccount)]
    pub reward_vault: UncheckedAccount<'info>,

    /// CHECK: the PDA [MINT_AUTHORITY] (address); owns the reward vault and is the
    /// `rewards_authority` the staking program accepts deposits from.
    #[account(address = pda::MINT_AUTHORITY @ RewardsError::UnexpectedAccount)]
    pub mint_authority: UncheckedAccount<'info>,

    /// The staking program's config.
    /// CHECK: staking's config PDA (address); staking checks it in the deposit.
    #[account(address = pda::STAKING_CONFIG @ RewardsError::UnexpectedAccount)]
    pub staking_config: UncheckedAccount<'info>,

    /// The staking program's staker reward vault: IO, held by the staking config.
    /// CHECK: staking's staker reward vault PDA (address); staking checks it in the deposit.
    #[account(mut, address = pda::STAKER_REWARD_VAULT @ RewardsError::UnexpectedAccount)]
    pub staker_reward_vault: UncheckedAccount<'info>,

    /// Pays the claim receipt's rent; anyone may submit a claim.
    #[account(mut)]
    pub payer: Signer<'info>,

    pub staking_program: Program<'info, Staking>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl Claim<'_> {
    /// Pays `amount` for the node's leaf in `epoch`: the staker share in force to the node's
    /// staker pool (staking::deposit_staker_rewards), the rest to the operator. The stakers'
    /// part goes to stakers only while they can be the ones who were there: within
    /// `STAKER_REWARD_WINDOW_SECS` of the epoch's end (later it returns to the unallocated
    /// pool), and only if the node has active (warmed-up) shares (else the operator gets it:
    /// nobody to share with).
    pub fn handler(
        &mut self,
        bump: u8,
        epoch: u64,
        amount: u64,
        proof: Vec<[u8; 32]>,
    ) -> Result<()> {
        require!(amount > 0, RewardsError::ZeroAmount);
        let now = Clock::get()?.unix_timestamp;
        require!(
            now < self.epoch_root.claim_deadline(),
            RewardsError::ClaimWindowClosed
        );
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

        // The share in force now: a change waits out a delay, so it cannot be timed with this.
        let staker_part = share_floor(amount, u64::from(self.node.staker_share_bps_at(now)))
            .ok_or(RewardsError::MathOverflow)?;
        let late = now >= self.epoch_root.staker_deadline;
        let mut allocated_total = None;
        let (staker_amount, staker_returned) = if late {
            // Stake that warmed up since the epoch could be active by now: nobody gets it.
            allocated_total = Some(EmissionState::release_in(
                &mut self.emission.try_borrow_mut_data()?,
                staker_part,
            )?);
            self.epoch_root.record_staker_return(staker_part)?;
            (0, staker_part)
        } else if self.node.active_shares == 0 {
            (0, 0)
        } else {
            (staker_part, 0)
        };
        let operator_amount = amount
            .checked_sub(staker_amount)
            .and_then(|rest| rest.checked_sub(staker_returned))
            .ok_or(RewardsError::MathOverflow)?;
        self.claim_receipt.set_inner(ClaimReceipt {
            version: ACCOUNT_VERSION,
            epoch,
            node: node_key,
            amount,
            operator_amount,
            staker_amount,
            claimed_at: now,
            bump,
            staker_returned,
            _reserved: [0; 56],
        });

        let signer: &[&[&[u8]]] = &[&[seeds::MINT_AUTHORITY, &[pda::MINT_AUTHORITY_BUMP]]];
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
            operator: self.node.operator,
            amount,
            operator_amount,
            staker_amount,
            staker_returned,
            epoch_claimed: self.epoch_root.claimed,
            allocated_total,
        });
        Ok(())
    }
}
