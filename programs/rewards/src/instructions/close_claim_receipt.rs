use anchor_lang::prelude::*;

use crate::errors::RewardsError;
use crate::events::ClaimReceiptClosed;
use crate::state::{ClaimReceipt, Epoch};

/// Anyone, once the receipt's epoch has expired (`expire_epoch_root`): no claim of the epoch
/// can land any more, so the receipt that stopped a second claim is no longer needed and its
/// rent goes back to whoever paid it.
#[derive(Accounts)]
pub struct CloseClaimReceipt<'info> {
    /// The receipt's epoch (an Epoch is created only by `post_epoch_root`, once per epoch, at
    /// its PDA, so the Epoch that stores the receipt's epoch is that epoch's root).
    #[account(
        constraint = epoch_root.load()?.epoch == claim_receipt.epoch @ RewardsError::WrongEpoch,
        constraint = epoch_root.load()?.expired_at != 0 @ RewardsError::EpochNotExpired,
    )]
    pub epoch_root: AccountLoader<'info, Epoch>,

    #[account(mut, close = payer, has_one = payer @ RewardsError::WrongRentReceiver)]
    pub claim_receipt: Box<Account<'info, ClaimReceipt>>,

    /// Paid the receipt's rent when it claimed; gets it back.
    /// CHECK: the receipt's recorded payer (has_one); only receives lamports.
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
}

impl CloseClaimReceipt<'_> {
    pub fn handler(&mut self) -> Result<()> {
        emit!(ClaimReceiptClosed {
            epoch: self.claim_receipt.epoch,
            node: self.claim_receipt.node,
            payer: self.claim_receipt.payer,
            rent: self.claim_receipt.to_account_info().lamports(),
        });
        Ok(())
    }
}
