use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use io_common::seeds;
use staking::state::Node;

use crate::errors::EscrowError;
use crate::events::JobSettled;
use crate::state::{settlement_split, EscrowConfig, Job, JobStatus, PaymentKind};
use crate::vault::{vault_surplus, JobSigner};

/// Pays out a completed job (anyone may crank it): the node's payout to the operator's
/// token account, its token share to the burn vault (IO) or to the treasury for buy-back
/// (USDC), the fees to the treasury, and the unused hours and facilitation fee back to
/// the renter; then closes the vault and the job, returning their rent to the renter.
///
/// Operator, treasury and renter token accounts may be the same account (`dup`) when the
/// same wallet holds two roles (e.g. a renter renting its own node, or the treasury
/// renting): each is pinned to its wallet by an owner/ATA check, so coinciding accounts
/// only ever receive what their single owner is due. The vault and the burn vault can
/// never coincide with them (different owners) and are not `dup`.
#[derive(Accounts)]
pub struct SettleJob<'info> {
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, EscrowConfig>>,
    #[account(
        mut,
        close = renter,
        seeds = [seeds::JOB, job.renter.as_ref(), &job.job_id.to_le_bytes()],
        bump = job.bump,
        has_one = renter @ EscrowError::WrongRenter,
        has_one = node @ EscrowError::WrongNode,
        constraint = job.status == JobStatus::Completed @ EscrowError::JobNotCompleted,
    )]
    pub job: Box<Account<'info, Job>>,
    /// The job's node (staking program account): gives the operator and token share.
    pub node: Box<Account<'info, Node>>,
    /// The job's renter wallet: receives the rent of the job and its vault.
    #[account(mut)]
    pub renter: SystemAccount<'info>,
    #[account(mut, seeds = [seeds::JOB_VAULT, job.key().as_ref()], bump = job.vault_bump)]
    pub job_vault: Box<Account<'info, TokenAccount>>,
    /// The operator's associated token account of the payment mint.
    #[account(
        mut,
        dup,
        associated_token::mint = job.payment_mint,
        associated_token::authority = node.operator,
    )]
    pub operator_token_account: Box<Account<'info, TokenAccount>>,
    /// The treasury's associated token account of the payment mint.
    #[account(
        mut,
        dup,
        associated_token::mint = job.payment_mint,
        associated_token::authority = config.treasury,
    )]
    pub treasury_token_account: Box<Account<'info, TokenAccount>>,
    /// The rewards program's burn vault (`config.burn_vault`); used by IO jobs only.
    #[account(
        mut,
        address = config.burn_vault @ EscrowError::WrongBurnVault,
        token::mint = config.io_mint,
    )]
    pub burn_vault: Box<Account<'info, TokenAccount>>,
    /// A token account of the renter in the payment mint: receives the refund.
    #[account(
        mut,
        dup,
        token::mint = job.payment_mint,
        token::authority = renter,
    )]
    pub renter_token_account: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

impl SettleJob<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let job = &self.job;
        let quote = job.quote()?;
        let split = settlement_split(
            &self.config.fee_schedule(),
            &quote,
            job.payment_kind,
            job.price_per_hour,
            job.hours_used,
            self.node.token_share_bps,
        )?;
        // USDC: the token share is bought back by the treasury, so it travels with the fees
        // in one transfer (one CPI fewer); IO: it goes to the burn vault.
        let (token_share_destination, burn_transfer, treasury_transfer) = match job.payment_kind {
            PaymentKind::Io => (&self.burn_vault, split.token_share, split.treasury_fees),
            PaymentKind::Usdc => (
                &self.treasury_token_account,
                0,
                split
                    .treasury_fees
                    .checked_add(split.token_share)
                    .ok_or(EscrowError::MathOverflow)?,
            ),
        };

        // Anyone can send tokens to a vault; such a surplus must not block the close, and
        // it goes back to the renter with the refund.
        let surplus = vault_surplus(&self.job_vault, &quote)?;
        let signer = JobSigner::new(job);
        let (program, vault, authority) =
            (&self.token_program, &self.job_vault, job.to_account_info());
        signer.pay(
            program,
            vault,
            authority.clone(),
            self.operator_token_account.to_account_info(),
            split.node_payout,
        )?;
        signer.pay(
            program,
            vault,
            authority.clone(),
            self.burn_vault.to_account_info(),
            burn_transfer,
        )?;
        signer.pay(
            program,
            vault,
            authority.clone(),
            self.treasury_token_account.to_account_info(),
            treasury_transfer,
        )?;
        signer.pay(
            program,
            vault,
            authority.clone(),
            self.renter_token_account.to_account_info(),
            split
                .refund
                .checked_add(surplus)
                .ok_or(EscrowError::MathOverflow)?,
        )?;
        signer.close_vault(program, vault, authority, self.renter.to_account_info())?;

        emit!(JobSettled {
            job: job.key(),
            job_id: job.job_id,
            renter: job.renter,
            node: job.node,
            operator: self.node.operator,
            payment_mint: job.payment_mint,
            payment_kind: job.payment_kind,
            price_per_hour: job.price_per_hour,
            hours_reserved: job.hours_reserved,
            hours_used: job.hours_used,
            deposit: quote.deposit,
            used_cost: split.used_cost,
            network_fee: split.network_fee,
            facilitation_fee_deposited: quote.facilitation_fee,
            facilitation_fee_charged: split.facilitation_charged,
            reservation_fee: split.reservation_fee,
            treasury_fees: split.treasury_fees,
            gross: split.gross,
            token_share_bps: self.node.token_share_bps,
            token_share: split.token_share,
            token_share_destination: token_share_destination.key(),
            node_payout: split.node_payout,
            refund: split.refund,
            vault_surplus: surplus,
            settled_at: Clock::get()?.unix_timestamp,
        });
        Ok(())
    }
}
