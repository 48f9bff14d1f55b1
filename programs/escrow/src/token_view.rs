//! A read-only view of an SPL Token account: the three fields escrow reads (mint, owner,
//! amount), decoded from their fixed offsets.
//!
//! `Account<'info, TokenAccount>` unpacks every field (three `COption`s, the state enum) and
//! is boxed for the stack, about 300 compute units per account; settle passes four token
//! accounts, cancel and reclaim three. `Account<'info, TokenAccountView>` checks the same
//! things that make it a token account, for a fraction of that:
//! - owner = the SPL Token program (`Account`'s owner check, AccountOwnedByWrongProgram);
//! - exactly `spl_token::state::Account::LEN` (165) bytes, so not a mint or a multisig
//!   (InvalidAccountData, as spl-token's `unpack` reports it);
//! - state Initialized or Frozen, what spl-token's `unpack` accepts (UninitializedAccount
//!   otherwise).
//!
//! `token::mint` and `token::authority` constraints work on it unchanged (they compare
//! `.mint` and `.owner`), with the same error names. The fields it skips (delegate,
//! native flag, close authority) are not read by escrow; the SPL Token program enforces
//! them itself in every transfer and close.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::token::spl_token;

/// See the module docs. Never written back: `Account` only serializes accounts owned by
/// the program itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenAccountView {
    pub mint: Pubkey,
    /// The token account's authority (wallet or PDA that may move its tokens).
    pub owner: Pubkey,
    pub amount: u64,
}

/// Offsets in spl-token's `Account` layout (mint 32, owner 32, amount 8, delegate 36, state 1, …).
const OWNER_OFFSET: usize = 32;
const AMOUNT_OFFSET: usize = 64;
const STATE_OFFSET: usize = 108;
/// `spl_token::state::AccountState`: 0 Uninitialized, 1 Initialized, 2 Frozen.
const INITIALIZED: u8 = 1;
const FROZEN: u8 = 2;

impl TokenAccountView {
    pub fn unpack(data: &[u8]) -> std::result::Result<Self, ProgramError> {
        let data: &[u8; spl_token::state::Account::LEN] = data
            .try_into()
            .map_err(|_| ProgramError::InvalidAccountData)?;
        if !matches!(data[STATE_OFFSET], INITIALIZED | FROZEN) {
            return Err(ProgramError::UninitializedAccount);
        }
        let field = |at: usize| -> [u8; 32] { data[at..at + 32].try_into().unwrap() };
        Ok(Self {
            mint: Pubkey::new_from_array(field(0)),
            owner: Pubkey::new_from_array(field(OWNER_OFFSET)),
            amount: u64::from_le_bytes(data[AMOUNT_OFFSET..AMOUNT_OFFSET + 8].try_into().unwrap()),
        })
    }
}

impl AccountDeserialize for TokenAccountView {
    fn try_deserialize_unchecked(buf: &mut &[u8]) -> Result<Self> {
        Ok(Self::unpack(buf)?)
    }
}

impl AccountSerialize for TokenAccountView {}

impl Owner for TokenAccountView {
    fn owner() -> Pubkey {
        spl_token::ID
    }
}

// What anchor-spl does for its own token account wrapper: the IDL builder wants a
// discriminator for every `Account<T>`; the default `IdlBuild` keeps the type out of the IDL.
#[cfg(feature = "idl-build")]
impl anchor_lang::IdlBuild for TokenAccountView {}
#[cfg(feature = "idl-build")]
impl anchor_lang::Discriminator for TokenAccountView {
    const DISCRIMINATOR: &'static [u8] = &[];
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::solana_program::program_option::COption;
    use spl_token::state::{Account, AccountState};

    fn packed(state: AccountState) -> (Account, Vec<u8>) {
        let account = Account {
            mint: Pubkey::new_unique(),
            owner: Pubkey::new_unique(),
            amount: 0x0102_0304_0506_0708,
            delegate: COption::Some(Pubkey::new_unique()),
            state,
            is_native: COption::None,
            delegated_amount: 7,
            close_authority: COption::Some(Pubkey::new_unique()),
        };
        let mut data = vec![0; Account::LEN];
        Account::pack_into_slice(&account, &mut data);
        (account, data)
    }

    #[test]
    fn reads_what_spl_token_unpack_reads() {
        for state in [AccountState::Initialized, AccountState::Frozen] {
            let (account, data) = packed(state);
            let view = TokenAccountView::unpack(&data).unwrap();
            let full = Account::unpack(&data).unwrap();
            assert_eq!(
                (view.mint, view.owner, view.amount),
                (full.mint, full.owner, full.amount)
            );
            assert_eq!(
                (view.mint, view.owner, view.amount),
                (account.mint, account.owner, account.amount)
            );
        }
    }

    #[test]
    fn refuses_what_spl_token_unpack_refuses() {
        let (_, data) = packed(AccountState::Uninitialized);
        assert!(Account::unpack(&data).is_err());
        assert_eq!(
            TokenAccountView::unpack(&data),
            Err(ProgramError::UninitializedAccount)
        );
        let (_, data) = packed(AccountState::Initialized);
        for len in [0, 82, 164, 166, 355] {
            let mut resized = data.clone();
            resized.resize(len, 0);
            assert!(Account::unpack(&resized).is_err());
            assert_eq!(
                TokenAccountView::unpack(&resized),
                Err(ProgramError::InvalidAccountData)
            );
        }
    }
}
