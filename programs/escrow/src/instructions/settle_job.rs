use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use io_common::pda;
use staking::state::{lazy_token_share_bps_at, LazyNode, Node};

use crate::errors::EscrowError;
use crate::events::JobSettled;
use crate::state::{
    settlement_split, EscrowConfig, FeeSchedule, Job, LazyEscrowConfig, PaymentKind,
};
use crate::vault::EscrowVault;

/// Pays out a completed job (anyone may crank it): the node's payout to the operator's
/// token account, its token share to the burn vault (IO) or to the treasury for buy-back
/// (USDC), the fees to the treasury, and the unused hours and facilitation fee back to
/// the renter; then closes the job, returning its rent to the renter. Only after the dispute
/// window (or a decided dispute).
///
/// Operator, treasury and renter token accounts may be one account (`dup`) when one wallet
/// holds two roles (a renter renting its own node, the treasury renting): each is pinned to
/// its owner and the payment mint, so coinciding accounts only receive what their single owner
/// is due. None of them may be the escrow vault (checked explicitly, as `dup` takes them out of
/// Anchor's duplicate check).
#[derive(Accounts)]
pub struct SettleJob<'info> {
    /// The `[CONFIG]` PDA (the escrow vaults' authority). Lazy: only the treasury is read
    /// (the whole config costs ~600 CU to deserialize; settle_job's budget is 12,000).
    #[account(address = pda::ESCROW_CONFIG @ EscrowError::WrongConfig)]
    pub config: LazyAccount<'info, EscrowConfig>,
    /// The job (created only by `open_job`, at its PDA `[JOB, renter, job_id LE]`), completed.
    #[account(
        mut,
        close = renter,
        has_one = renter @ EscrowError::WrongRenter,
        has_one = node @ EscrowError::WrongNode,
    )]
    pub job: Box<Account<'info, Job>>,
    /// The job's node (a staking program Node, `has_one` on the job, whose node was checked at
    /// open): its current operator and token share. Lazy: only those are read (settle_job's
    /// budget is 12,000 CU; the whole Node costs ~600 to deserialize).
    pub node: LazyAccount<'info, Node>,
    /// The job's renter wallet: receives the job's rent. Any account (`has_one` on the job):
    /// a renter that hands its wallet to another program must not block the node's pay.
    /// CHECK: the job's recorded renter; only credited.
    #[account(mut)]
    pub renter: UncheckedAccount<'info>,
    /// The escrow vault of the job's payment mint (the address the job recorded at open).
    /// CHECK: that address; a token account held by the config.
    #[account(mut, address = job.vault @ EscrowError::WrongVault)]
    pub escrow_vault: UncheckedAccount<'info>,
    /// A token account of the operator in the payment mint (normally its ATA).
    #[account(
        mut,
        dup,
        constraint = operator_token_account.key() != escrow_vault.key()
            @ ErrorCode::ConstraintDuplicateMutableAccount,
        token::mint = job.payment_mint,
        token::authority = node.load_operator()?,
    )]
    pub operator_token_account: Box<Account<'info, TokenAccount>>,
    /// A token account of the treasury in the payment mint (normally its ATA).
    #[account(
        mut,
        dup,
        constraint = treasury_token_account.key() != escrow_vault.key()
            @ ErrorCode::ConstraintDuplicateMutableAccount,
        token::mint = job.payment_mint,
        token::authority = config.load_treasury()?,
    )]
    pub treasury_token_account: Box<Account<'info, TokenAccount>>,
    /// The rewards program's burn vault (its PDA `[BURN_VAULT]`, an IO token account): IO
    /// jobs' token share goes here. Passed for USDC jobs too.
    /// CHECK: the fixed address.
    #[account(mut, address = pda::BURN_VAULT @ EscrowError::WrongBurnVault)]
    pub burn_vault: UncheckedAccount<'info>,
    /// A token account of the renter in the payment mint: receives the refund.
    #[account(
        mut,
        dup,
        constraint = renter_token_account.key() != escrow_vault.key()
            @ ErrorCode::ConstraintDuplicateMutableAccount,
        token::mint = job.payment_mint,
        token::authority = renter,
    )]
    pub renter_token_account: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

impl SettleJob<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let job = &self.job;
        require!(job.is_settleable(now), EscrowError::NotSettleable);
        let token_share_bps = lazy_token_share_bps_at(&self.node, now)?;
        let quote = job.quote()?;
        let split = settlement_split(
            &FeeSchedule::PROTOCOL,
            &quote,
            job.payment_kind,
            job.price_per_hour,
            job.hours_used,
            token_share_bps,
        )?;
        // USDC: the token share is bought back by the treasury, so it travels with the fees
        // in one transfer (one CPI fewer); IO: it goes to the burn vault.
        let (burn_transfer, treasury_transfer) = match job.payment_kind {
            PaymentKind::Io => (split.token_share, split.treasury_fees),
            PaymentKind::Usdc => (
                0,
                split
                    .treasury_fees
                    .checked_add(split.token_share)
                    .ok_or(EscrowError::MathOverflow)?,
            ),
        };

        let vault = EscrowVault {
            vault: self.escrow_vault.to_account_info(),
            config: self.config.to_account_info(),
            token_program: &self.token_program,
        };
        vault.pay(
            self.operator_token_account.to_account_info(),
            split.node_payout,
        )?;
        vault.pay(self.burn_vault.to_account_info(), burn_transfer)?;
        vault.pay(
            self.treasury_token_account.to_account_info(),
            treasury_transfer,
        )?;
        vault.pay(self.renter_token_account.to_account_info(), split.refund)?;

        // The job's terms (renter, node, price, hours reserved, fees deposited) are in its
        // JobOpened event; this one carries what settlement decided.
        emit!(JobSettled {
            job: job.key(),
            operator: *self.node.load_operator()?,
            payment_mint: job.payment_mint,
            payment_kind: job.payment_kind,
            hours_used: job.hours_used,
            deposit: quote.deposit,
            network_fee: split.network_fee,
            facilitation_fee_charged: split.facilitation_charged,
            reservation_fee: split.reservation_fee,
            treasury_fees: split.treasury_fees,
            token_share_bps,
            token_share: split.token_share,
            node_payout: split.node_payout,
            refund: split.refund,
            settled_at: now,
        });
        Ok(())
    }
}
