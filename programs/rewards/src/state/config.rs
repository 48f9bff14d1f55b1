use anchor_lang::prelude::*;
use io_common::handover;

/// Singleton [CONFIG]: authorities and the addresses of the program's token accounts.
/// The addresses are stored (they are PDAs fixed at initialize) so hot paths check them with a
/// key comparison instead of re-deriving them.
#[account]
#[derive(InitSpace)]
pub struct RewardsConfig {
    pub version: u8,
    pub admin: Pubkey,
    /// Posts epoch reward roots (the keeper; may be a multisig).
    pub keeper_authority: Pubkey,
    /// The IO mint, PDA [IO_MINT]: 9 decimals, mint authority `mint_authority`, no freeze authority.
    pub io_mint: Pubkey,
    /// PDA [MINT_AUTHORITY]: mints IO and owns the reward and burn vaults. Holds no data.
    pub mint_authority: Pubkey,
    /// PDA [REWARD_VAULT]: emitted IO waiting to be claimed.
    pub reward_vault: Pubkey,
    /// PDA [BURN_VAULT]: IO waiting to be burned (slashes, IO job token shares).
    pub burn_vault: Pubkey,
    pub genesis_minted: bool,
    pub bump: u8,
    pub io_mint_bump: u8,
    pub mint_authority_bump: u8,
    pub reward_vault_bump: u8,
    pub burn_vault_bump: u8,
    /// Proposed admin: becomes `admin` when it signs `accept_authority` (default: none).
    pub pending_admin: Pubkey,
    /// Proposed keeper authority, accepted the same way (default: none).
    pub pending_keeper_authority: Pubkey,
}

impl RewardsConfig {
    /// Promotes every role whose pending key is `signer` (and clears it); false if none is.
    pub fn accept(&mut self, signer: Pubkey) -> bool {
        let admin = handover::accept(&mut self.admin, &mut self.pending_admin, signer);
        let keeper_authority = handover::accept(
            &mut self.keeper_authority,
            &mut self.pending_keeper_authority,
            signer,
        );
        admin || keeper_authority
    }
}
