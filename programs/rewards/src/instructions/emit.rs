use anchor_lang::prelude::*;
use anchor_spl::token::{self, MintTo, Token};
use io_common::economics::IO_MAX_SUPPLY;
use io_common::{pda, seeds};

use crate::errors::RewardsError;
use crate::events::HoursEmitted;
use crate::state::{EmissionState, LazyRewardsConfig, RewardsConfig};

/// Anyone may crank; every address is pinned (`io_common::pda` constants), so there is nothing to
/// choose.
#[derive(Accounts)]
pub struct Emit<'info> {
    /// The rewards config: emission only after genesis.
    #[account(
        address = pda::REWARDS_CONFIG @ RewardsError::UnexpectedAccount,
        // Emission before genesis would break supply == genesis + emitted − burned.
        constraint = *config.load_genesis_minted()? @ RewardsError::GenesisNotMinted,
    )]
    pub config: LazyAccount<'info, RewardsConfig>,

    /// Emission progress: next hour, schedule cursor, totals.
    #[account(mut, address = pda::EMISSION @ RewardsError::UnexpectedAccount)]
    pub emission: AccountLoader<'info, EmissionState>,

    /// The IO mint (its supply is checked against the cap).
    /// Reads only `supply`, in place: `Account<Mint>` cost 786 CU more (Agave 4.1.2; budget 5,000).
    /// CHECK: the IO mint PDA (address): `initialize` created it as a token-program Mint.
    #[account(mut, address = pda::IO_MINT @ RewardsError::UnexpectedAccount)]
    pub io_mint: UncheckedAccount<'info>,

    /// Mint authority PDA [MINT_AUTHORITY].
    /// CHECK: the PDA [MINT_AUTHORITY] (address); signs the mint.
    #[account(address = pda::MINT_AUTHORITY @ RewardsError::UnexpectedAccount)]
    pub mint_authority: UncheckedAccount<'info>,

    /// Receives the emitted IO.
    /// CHECK: the reward vault PDA (address), which `initialize` created as an IO token account
    /// of the mint authority and nothing can re-create; the token program's mint_to checks it
    /// is a token account of `io_mint`. Not deserialized here: nothing of it is read.
    #[account(mut, address = pda::REWARD_VAULT @ RewardsError::UnexpectedAccount)]
    pub reward_vault: UncheckedAccount<'info>,

    pub token_program: Program<'info, Token>,
}

impl Emit<'_> {
    /// Emits, in order, up to `max_hours` (1..=MAX_EMIT_HOURS) hours that have ended.
    pub fn handler(&mut self, max_hours: u16) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let (emission, emitted_total) = {
            let mut state = self.emission.load_mut()?;
            (state.emit(now, max_hours)?, state.emitted_total)
        };

        // The hard cap, checked against the mint itself rather than our own bookkeeping.
        let supply = mint_supply(&self.io_mint.try_borrow_data()?)?
            .checked_add(emission.amount)
            .ok_or(RewardsError::MathOverflow)?;
        require!(supply <= IO_MAX_SUPPLY, RewardsError::SupplyCapExceeded);

        if emission.amount > 0 {
            let signer: &[&[&[u8]]] = &[&[seeds::MINT_AUTHORITY, &[pda::MINT_AUTHORITY_BUMP]]];
            token::mint_to(
                CpiContext::new_with_signer(
                    self.token_program.key(),
                    MintTo {
                        mint: self.io_mint.to_account_info(),
                        to: self.reward_vault.to_account_info(),
                        authority: self.mint_authority.to_account_info(),
                    },
                    signer,
                ),
                emission.amount,
            )?;
        }
        emit!(HoursEmitted {
            first_hour: emission.first_hour,
            // emit() always covers at least one hour.
            last_hour: emission.first_hour + emission.hours - 1,
            amount: emission.amount,
            emitted_total,
            supply,
        });
        Ok(())
    }
}

/// Byte offset of `supply` in a token-program Mint (after the `COption<Pubkey>` mint authority).
const MINT_SUPPLY_OFFSET: usize = 36;

/// The `supply` of a token-program Mint's account data.
fn mint_supply(data: &[u8]) -> Result<u64> {
    let bytes = data
        .get(MINT_SUPPLY_OFFSET..MINT_SUPPLY_OFFSET + 8)
        .ok_or(RewardsError::UnexpectedAccount)?;
    let mut supply = [0u8; 8];
    supply.copy_from_slice(bytes);
    Ok(u64::from_le_bytes(supply))
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::solana_program::program_pack::Pack;
    use anchor_spl::token::spl_token::state::Mint;

    #[test]
    fn mint_supply_reads_the_packed_mint() {
        let mint = Mint {
            mint_authority: Some(pda::MINT_AUTHORITY).into(),
            supply: 123_456_789_000_000_001,
            decimals: 9,
            is_initialized: true,
            freeze_authority: None.into(),
        };
        let mut data = [0u8; Mint::LEN];
        Mint::pack(mint, &mut data).unwrap();
        assert_eq!(mint_supply(&data).unwrap(), 123_456_789_000_000_001);
        assert!(mint_supply(&data[..43]).is_err());
    }
}
