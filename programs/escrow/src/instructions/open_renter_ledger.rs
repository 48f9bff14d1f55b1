use anchor_lang::prelude::*;
use io_common::layout::ACCOUNT_VERSION;
use io_common::seeds;

use crate::events::RenterLedgerOpened;
use crate::state::RenterLedger;

/// Creates the renter's job-id ledger, PDA `[RENTER, renter]`, once per renter, before (or in the
/// same transaction as) its first `open_job`. The ledger records which job ids the renter has
/// spent, so a job id (and so a job address) never names two jobs. It has no close: closing it
/// would let ids repeat.
#[derive(Accounts)]
pub struct OpenRenterLedger<'info> {
    /// Pays the ledger's rent.
    #[account(mut)]
    pub renter: Signer<'info>,
    /// Created here; a second call fails in the system program (account already in use).
    #[account(
        init,
        payer = renter,
        space = 8 + RenterLedger::INIT_SPACE,
        seeds = [seeds::RENTER, renter.key().as_ref()],
        bump,
    )]
    pub renter_ledger: Box<Account<'info, RenterLedger>>,
    pub system_program: Program<'info, System>,
}

impl OpenRenterLedger<'_> {
    pub fn handler(&mut self, bump: u8) -> Result<()> {
        let renter = self.renter.key();
        self.renter_ledger.set_inner(RenterLedger {
            version: ACCOUNT_VERSION,
            bump,
            renter,
            window_start: 0,
            used_ids: [0; 4],
            jobs_opened: 0,
        });
        emit!(RenterLedgerOpened {
            renter,
            ledger: self.renter_ledger.key(),
        });
        Ok(())
    }
}
