use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::economics::share_floor;
use io_common::layout::ACCOUNT_VERSION;
use io_common::{merkle, pda, seeds};
use staking::cpi::accounts::DepositStakerRewards;
use staking::program::Staking;
use staking::state::{lazy_staker_share_bps_at, LazyNode, Node};

use crate::errors::RewardsError;
use crate::events::RewardClaimed;
use crate::state::{ClaimReceipt, EmissionState, Epoch};

#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct Claim<'info> {
    /// The epoch's posted root. An Epoch is created only by `post_epoch_root`, once per epoch,
    /// at its PDA [EPOCH, epoch u64 LE], so the Epoch that stores `epoch` is that PDA.
    #[account(mut, constraint = epoch_root.load()?.epoch == epoch @ RewardsError::WrongEpoch)]
    pub epoch_root: AccountLoader<'info, Epoch>,

    /// Emission state (zero-copy): a late claim's staker part leaves its `allocated_total`.
    #[account(mut, address = pda::EMISSION @ RewardsError::UnexpectedAccount)]
    pub emission: AccountLoader<'info, EmissionState>,

    /// The staking Node that earned the reward (the leaf names it). Writable: staking credits
    /// the staker part to its pool. Lazy: claim reads its operator, staker share and active
    /// shares (deserializing the whole node cost ~1,000 units; budget 20,000).
    #[account(mut)]
    pub node: LazyAccount<'info, Node>,

    /// PDA [CLAIM, epoch u64 LE, node]: created by the node's claim of the epoch (also when
    /// someone sent lamports to the address beforehand), closed only after the epoch expired,
    /// so a second claim fails in the system program (account already in use). Created by hand at the canonical
    /// PDA instead of `init` with `seeds` and `bump`, whose `find_program_address` costs 1,500
    /// units a bump tried (budget 20,000): `pda::canonical_bump` confirms it for ~350 a step.
    /// CHECK: created by the handler at the canonical PDA (WrongClaimReceipt otherwise).
    #[account(mut)]
    pub claim_receipt: UncheckedAccount<'info>,

    /// An IO token account of the node's operator (any one it owns, typically its ATA).
    #[account(
        mut,
        token::mint = pda::IO_MINT,
        token::authority = node.load_operator()?,
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

    /// The staking program's staker reward vault: IO, held by the staking config; claim pays
    /// the stakers' part into it, then tells staking (`deposit_staker_rewards`).
    /// CHECK: staking's staker reward vault PDA (address): the IO token account staking's
    /// `initialize` created; the token program checks its mint on the transfer.
    #[account(mut, address = pda::STAKER_REWARD_VAULT @ RewardsError::UnexpectedAccount)]
    pub staker_reward_vault: UncheckedAccount<'info>,

    /// Pays the claim receipt's rent; anyone may submit a claim.
    #[account(mut)]
    pub payer: Signer<'info>,

    pub staking_program: Program<'info, Staking>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl<'info> Claim<'info> {
    /// Pays `amount` for the node's leaf in `epoch`: the staker share in force into staking's
    /// staker reward vault, credited to the node's pool (staking::deposit_staker_rewards), the
    /// rest to the operator. The stakers'
    /// part goes to stakers only while they can be the ones who were there: within
    /// `STAKER_REWARD_WINDOW_SECS` of the epoch's end (later it returns to the unallocated
    /// pool), and only if the node has active (warmed-up) shares (else the operator gets it:
    /// nobody to share with).
    pub fn handler(&mut self, epoch: u64, amount: u64, proof: Vec<[u8; 32]>) -> Result<()> {
        require!(amount > 0, RewardsError::ZeroAmount);
        let now = Clock::get()?.unix_timestamp;
        let mut epoch_root = self.epoch_root.load_mut()?;
        require!(
            now < epoch_root.claim_deadline(),
            RewardsError::ClaimWindowClosed
        );
        require!(
            proof.len() <= merkle::MAX_PROOF_LEN,
            RewardsError::ProofTooLong
        );
        let node_key = self.node.key();
        let leaf = merkle::reward_leaf(epoch, &node_key.to_bytes(), amount);
        require!(
            merkle::verify(&proof, &epoch_root.root, leaf),
            RewardsError::InvalidProof
        );
        // Before the accounting, so that a repeated claim fails on its receipt (already in use).
        let bump = self.create_claim_receipt(epoch, &node_key)?;
        epoch_root.record_claim(amount)?;

        // The share in force now: a change waits out a delay, so it cannot be timed with this.
        let staker_part = share_floor(
            amount,
            u64::from(lazy_staker_share_bps_at(&self.node, now)?),
        )
        .ok_or(RewardsError::MathOverflow)?;
        let late = now >= epoch_root.staker_deadline;
        let mut allocated_total = None;
        let (staker_amount, staker_returned) = if late {
            // Stake that warmed up since the epoch could be active by now: nobody gets it.
            let mut emission = self.emission.load_mut()?;
            emission.release(staker_part)?;
            allocated_total = Some(emission.allocated_total);
            epoch_root.record_staker_return(staker_part)?;
            (0, staker_part)
        } else if *self.node.load_active_shares()? == 0 {
            (0, 0)
        } else {
            (staker_part, 0)
        };
        let operator_amount = amount
            .checked_sub(staker_amount)
            .and_then(|rest| rest.checked_sub(staker_returned))
            .ok_or(RewardsError::MathOverflow)?;
        let receipt = ClaimReceipt {
            version: ACCOUNT_VERSION,
            epoch,
            node: node_key,
            amount,
            operator_amount,
            staker_amount,
            claimed_at: now,
            bump,
            staker_returned,
            payer: self.payer.key(),
            _reserved: [0; 24],
        };
        receipt.try_serialize(&mut &mut self.claim_receipt.try_borrow_mut_data()?[..])?;

        let signer: &[&[&[u8]]] = &[&[seeds::MINT_AUTHORITY, &[pda::MINT_AUTHORITY_BUMP]]];
        self.pay(
            self.operator_token.to_account_info(),
            operator_amount,
            signer,
        )?;
        if staker_amount > 0 {
            self.pay(
                self.staker_reward_vault.to_account_info(),
                staker_amount,
                signer,
            )?;
            staking::cpi::deposit_staker_rewards(
                CpiContext::new_with_signer(
                    self.staking_program.key(),
                    DepositStakerRewards {
                        node: self.node.to_account_info(),
                        rewards_authority: self.mint_authority.to_account_info(),
                    },
                    signer,
                ),
                staker_amount,
            )?;
        }
        emit!(RewardClaimed {
            epoch,
            node: node_key,
            operator: *self.node.load_operator()?,
            amount,
            operator_amount,
            staker_amount,
            staker_returned,
            epoch_claimed: epoch_root.claimed,
            allocated_total,
        });
        Ok(())
    }

    /// Pays `amount` (if any) from the reward vault to `to`.
    fn pay(&self, to: AccountInfo<'info>, amount: u64, signer: &[&[&[u8]]]) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        token::transfer(
            CpiContext::new_with_signer(
                self.token_program.key(),
                Transfer {
                    from: self.reward_vault.to_account_info(),
                    to,
                    authority: self.mint_authority.to_account_info(),
                },
                signer,
            ),
            amount,
        )
    }

    /// Creates the claim receipt at its canonical PDA; returns the bump.
    fn create_claim_receipt(&self, epoch: u64, node: &Pubkey) -> Result<u8> {
        let info = self.claim_receipt.to_account_info();
        let epoch_bytes = epoch.to_le_bytes();
        let seeds: [&[u8]; 3] = [seeds::CLAIM, &epoch_bytes, node.as_ref()];
        let bump = pda::canonical_bump(&seeds, info.key, &crate::ID)
            .ok_or(RewardsError::WrongClaimReceipt)?;
        pda::create_account(
            &self.payer.to_account_info(),
            &info,
            &self.system_program.to_account_info(),
            &[seeds[0], seeds[1], seeds[2], &[bump]],
            8 + ClaimReceipt::INIT_SPACE,
            &crate::ID,
        )?;
        Ok(bump)
    }
}
