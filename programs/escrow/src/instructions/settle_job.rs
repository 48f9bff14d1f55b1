use anchor_lang::prelude::*;
use anchor_spl::token::Token;
use io_common::pda;

use crate::errors::EscrowError;
use crate::events::JobSettled;
use crate::node_view::NodePayee;
use crate::state::{settlement_split, EscrowConfig, Job, JobStatus, PaymentKind};
use crate::token_view::TokenAccountView;
use crate::vault::{vault_surplus, JobSigner};

/// Pays out a completed job (anyone may crank it): the node's payout to the operator's
/// token account, its token share to the burn vault (IO) or to the treasury for buy-back
/// (USDC), the fees to the treasury, and the unused hours and facilitation fee back to
/// the renter; then closes the vault and the job, returning their rent to the renter.
///
/// Operator, treasury and renter token accounts may be the same account (`dup`) when the
/// same wallet holds two roles (e.g. a renter renting its own node, or the treasury
/// renting): each is pinned to its wallet by an owner check, so coinciding accounts only
/// ever receive what their single owner is due. The vault and the burn vault can never
/// coincide with them (different owners) and are not `dup`.
///
/// No address here is re-derived (each derivation is a 1,500-unit syscall per bump tried);
/// every account is still pinned:
/// - config: its compile-time PDA address (+ owner and discriminator by `Account`).
/// - job: owner + discriminator prove it is a Job this program wrote, and this program only
///   ever creates a Job at its `[JOB, renter, job_id]` PDA (open_job). The vault check below
///   also ties it to its own address: the vault's token authority is the job PDA it was
///   opened for, and only that PDA could change it (the program never does).
/// - job_vault: the address recorded in the job at open (`job.vault`) and authority = job.
/// - operator/treasury token accounts: any token account of the payment mint owned by the
///   node's operator / the config's treasury (the wallet owns and controls it fully; an ATA
///   was never needed for that, and finding one costs a derivation per bump tried).
///
/// Aliasing: job and vault are `dup` to skip Anchor's duplicate-mutable-account check (a
/// SipHash `HashSet`, ~500 units per account) and are checked explicitly instead. The job
/// is the only escrow-owned account here (every other mutable account is owned by the
/// token or system program), so it cannot alias anything; the vault is compared with every
/// token-account slot that could hold it (`ConstraintDuplicateMutableAccount`, as Anchor
/// would report): the operator's and the treasury's (their owners are settable keys). The
/// renter's cannot (its owner is the renter, a system account, never the job) and neither
/// can the burn vault (address = `config.burn_vault`, a rewards PDA; the vault's is an
/// escrow PDA).
#[derive(Accounts)]
pub struct SettleJob<'info> {
    /// The `[CONFIG]` PDA: its compile-time address (a 32-byte compare, no derivation).
    #[account(address = pda::ESCROW_CONFIG.address @ EscrowError::WrongConfig)]
    pub config: Box<Account<'info, EscrowConfig>>,
    #[account(
        mut,
        dup,
        close = renter,
        has_one = renter @ EscrowError::WrongRenter,
        has_one = node @ EscrowError::WrongNode,
        constraint = job.status == JobStatus::Completed @ EscrowError::JobNotCompleted,
    )]
    pub job: Box<Account<'info, Job>>,
    /// The job's node (a staking program Node: owner and discriminator checked): gives the
    /// operator and token share (only those two fields are decoded, see `node_view`).
    pub node: Account<'info, NodePayee>,
    /// The job's renter wallet: receives the rent of the job and its vault.
    #[account(mut)]
    pub renter: SystemAccount<'info>,
    #[account(
        mut,
        dup,
        address = job.vault @ EscrowError::WrongVault,
        constraint = job_vault.owner == job.key() @ EscrowError::WrongVault,
        constraint = job_vault.key() != operator_token_account.key()
            && job_vault.key() != treasury_token_account.key()
            @ ErrorCode::ConstraintDuplicateMutableAccount,
    )]
    pub job_vault: Account<'info, TokenAccountView>,
    /// A token account of the operator in the payment mint (normally its ATA).
    #[account(
        mut,
        dup,
        token::mint = job.payment_mint,
        token::authority = node.operator,
    )]
    pub operator_token_account: Account<'info, TokenAccountView>,
    /// A token account of the treasury in the payment mint (normally its ATA).
    #[account(
        mut,
        dup,
        token::mint = job.payment_mint,
        token::authority = config.treasury,
    )]
    pub treasury_token_account: Account<'info, TokenAccountView>,
    /// The rewards program's burn vault (`config.burn_vault`). Only IO jobs pay into it, so
    /// only they read it as a token account (and check its mint) in the handler; a USDC job
    /// skips that unpack. The address is checked for every job.
    /// CHECK: address = `config.burn_vault`; IO jobs check it is an IO token account.
    #[account(mut, address = config.burn_vault @ EscrowError::WrongBurnVault)]
    pub burn_vault: UncheckedAccount<'info>,
    /// A token account of the renter in the payment mint: receives the refund.
    #[account(
        mut,
        dup,
        token::mint = job.payment_mint,
        token::authority = renter,
    )]
    pub renter_token_account: Account<'info, TokenAccountView>,
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
            PaymentKind::Io => {
                // What `Account<TokenAccount>` + `token::mint = config.io_mint` checked.
                let info: &AccountInfo = &self.burn_vault;
                require_keys_eq!(*info.owner, Token::id(), EscrowError::WrongBurnVault);
                let mint = TokenAccountView::unpack(&info.try_borrow_data()?)?.mint;
                require_keys_eq!(mint, self.config.io_mint, EscrowError::WrongBurnVault);
                (
                    self.burn_vault.key(),
                    split.token_share,
                    split.treasury_fees,
                )
            }
            PaymentKind::Usdc => (
                self.treasury_token_account.key(),
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
        let signer = JobSigner::new(job, &self.job_vault);
        signer.pay(self.operator_token_account.as_ref(), split.node_payout)?;
        signer.pay(&self.burn_vault, burn_transfer)?;
        signer.pay(self.treasury_token_account.as_ref(), treasury_transfer)?;
        signer.pay(
            self.renter_token_account.as_ref(),
            split
                .refund
                .checked_add(surplus)
                .ok_or(EscrowError::MathOverflow)?,
        )?;
        signer.close_vault(&self.renter)?;

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
            token_share_destination,
            node_payout: split.node_payout,
            refund: split.refund,
            vault_surplus: surplus,
            settled_at: Clock::get()?.unix_timestamp,
        });
        Ok(())
    }
}
