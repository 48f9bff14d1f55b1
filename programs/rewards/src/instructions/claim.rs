use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::merkle;
use io_common::pda::is_uncreated;
use io_common::seeds;
use staking::cpi::accounts::DepositStakerRewards;
use staking::program::Staking;
use staking::state::Node;

use crate::addresses;
use crate::errors::RewardsError;
use crate::events::RewardClaimed;
use crate::state::{bps_share, create_and_write, ClaimReceipt, Epoch, CURRENT_VERSION};

/// Every fixed account is checked against its compile-time PDA (`crate::addresses`, a 32-byte
/// comparison) instead of being re-derived or looked up through the config; the epoch root by
/// its stored epoch. The only derivation left is the claim receipt's, which must be canonical.
#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct Claim<'info> {
    /// The rewards config. Nothing of it is read: the addresses it records are the fixed PDAs
    /// checked below.
    /// CHECK: the rewards config PDA (address).
    #[account(address = addresses::CONFIG @ RewardsError::UnexpectedAccount)]
    pub config: UncheckedAccount<'info>,

    /// The epoch's posted root, [EPOCH, epoch u64 LE]. Checked by its stored `epoch` instead of
    /// re-deriving the PDA: `Account` proves this program owns it and it is an Epoch, and this
    /// program creates Epoch accounts only in post_epoch_root, at the canonical PDA of the epoch
    /// it stores, at most once per epoch (never closed). So the Epoch storing `epoch` is exactly
    /// the PDA [EPOCH, epoch].
    #[account(
        mut,
        constraint = epoch_root.epoch == epoch @ RewardsError::EpochMismatch,
    )]
    pub epoch_root: Box<Account<'info, Epoch>>,

    /// The staking Node PDA that earned the reward (the leaf names it; staking re-derives its
    /// PDA in the deposit). Writable because the staker part is credited to its pool.
    /// CHECK: the handler checks what `Account<Node>` would (owned by the staking program, Node
    /// discriminator) and reads only the two fields a claim needs (`NodeTerms`): a full Borsh
    /// decode of the Node costs ~1,000 units more.
    #[account(mut)]
    pub node: UncheckedAccount<'info>,

    /// [CLAIM, epoch u64 LE, node]: exists once this node claimed this epoch.
    /// CHECK: the canonical PDA of (epoch, node) (seeds); must not exist yet (AlreadyClaimed);
    /// created, also when pre-funded, and written by the handler.
    #[cfg(not(feature = "idl-build"))]
    #[account(
        mut,
        seeds = [seeds::CLAIM, &epoch.to_le_bytes(), node.key().as_ref()],
        bump,
        constraint = is_uncreated(&claim_receipt.to_account_info()) @ RewardsError::AlreadyClaimed,
    )]
    pub claim_receipt: UncheckedAccount<'info>,
    // The IDL build sees the account's type, so ClaimReceipt stays in the IDL's accounts for
    // explorers (keeper explore decodes it); the instruction's accounts in the IDL are the same
    // either way. The program itself takes the address unchecked (above) because it creates it.
    /// [CLAIM, epoch u64 LE, node]: exists once this node claimed this epoch.
    #[cfg(feature = "idl-build")]
    #[account(
        mut,
        seeds = [seeds::CLAIM, &epoch.to_le_bytes(), node.key().as_ref()],
        bump,
        constraint = is_uncreated(&claim_receipt.to_account_info()) @ RewardsError::AlreadyClaimed,
    )]
    pub claim_receipt: Box<Account<'info, ClaimReceipt>>,

    /// The node operator's IO token account (any account the operator owns, typically its ATA;
    /// no associated-token derivation). The handler checks that the node's operator owns it
    /// (WrongTokenOwner) before anything moves.
    #[account(
        mut,
        constraint = operator_token.mint == addresses::IO_MINT @ RewardsError::WrongMint,
    )]
    pub operator_token: Box<Account<'info, TokenAccount>>,

    /// Pays out the claim.
    /// CHECK: the reward vault PDA (address): `initialize` created it as the IO token account
    /// of the mint authority and nothing can re-create it; the token program checks balance
    /// and authority on each transfer out of it.
    #[account(mut, address = addresses::REWARD_VAULT @ RewardsError::UnexpectedAccount)]
    pub reward_vault: UncheckedAccount<'info>,

    /// CHECK: the PDA [MINT_AUTHORITY] (address); owns the reward vault and is the
    /// `rewards_authority` the staking program accepts deposits from.
    #[account(address = addresses::MINT_AUTHORITY @ RewardsError::UnexpectedAccount)]
    pub mint_authority: UncheckedAccount<'info>,

    /// The staking program's config.
    /// CHECK: staking's config PDA (address); staking deserializes it in the deposit.
    #[account(address = addresses::STAKING_CONFIG @ RewardsError::UnexpectedAccount)]
    pub staking_config: UncheckedAccount<'info>,

    /// The staking program's staker reward vault: IO, held by the staking config.
    /// CHECK: staking's staker reward vault PDA (address), which only the staking program can
    /// create (as an IO token account of its config); staking re-checks it in the deposit.
    #[account(mut, address = addresses::STAKER_REWARD_VAULT @ RewardsError::UnexpectedAccount)]
    pub staker_reward_vault: UncheckedAccount<'info>,

    /// Pays the claim receipt's rent; anyone may submit a claim.
    #[account(mut)]
    pub payer: Signer<'info>,

    pub staking_program: Program<'info, Staking>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl<'info> Claim<'info> {
    /// Pays `amount` for the node's leaf in `epoch`: the staker share to the node's staker pool
    /// (staking::deposit_staker_rewards), the rest to the operator.
    pub fn handler(
        &mut self,
        bump: u8,
        epoch: u64,
        amount: u64,
        proof: Vec<[u8; 32]>,
    ) -> Result<()> {
        let node = NodeTerms::read(&self.node)?;
        require_keys_eq!(
            self.operator_token.owner,
            node.operator,
            RewardsError::WrongTokenOwner
        );
        require!(amount > 0, RewardsError::ZeroAmount);
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

        let staker_amount = bps_share(amount, node.staker_share_bps)?;
        let operator_amount = amount
            .checked_sub(staker_amount)
            .ok_or(RewardsError::MathOverflow)?;
        create_and_write(
            &self.payer.to_account_info(),
            &self.claim_receipt.to_account_info(),
            &self.system_program.to_account_info(),
            &[seeds::CLAIM, &epoch.to_le_bytes(), node_key.as_ref(), &[bump]],
            &ClaimReceipt {
                version: CURRENT_VERSION,
                epoch,
                node: node_key,
                amount,
                operator_amount,
                staker_amount,
                claimed_at: Clock::get()?.unix_timestamp,
                bump,
                _reserved: [0; 64],
            },
        )?;

        let signer: &[&[&[u8]]] = &[addresses::MINT_AUTHORITY_SEEDS];
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
            operator: node.operator,
            amount,
            operator_amount,
            staker_amount,
            epoch_claimed: self.epoch_root.claimed,
        });
        Ok(())
    }
}

/// What a claim reads of a staking Node: who is paid, and the stakers' share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeTerms {
    pub operator: Pubkey,
    pub staker_share_bps: u16,
}

impl NodeTerms {
    /// Checks `info` as `Account<Node>` does (owned by the staking program, Node discriminator)
    /// and reads `operator` and `staker_share_bps` where the Borsh layout of
    /// staking::state::Node puts them (version u8, bump u8, operator, node_key, gpu_model
    /// String, tier u8, staker_share_bps u16, ...). The layout is fixed; a unit test below reads
    /// Nodes serialized by Anchor.
    pub fn read(info: &AccountInfo) -> Result<Self> {
        if info.owner != &staking::ID {
            return Err(Error::from(ErrorCode::AccountOwnedByWrongProgram)
                .with_account_name("node")
                .with_pubkeys((*info.owner, staking::ID)));
        }
        Self::parse(&info.try_borrow_data()?)
    }

    fn parse(data: &[u8]) -> Result<Self> {
        const OPERATOR: usize = 8 + 1 + 1;
        const GPU_MODEL: usize = OPERATOR + 32 + 32;
        if data.get(..8) != Some(Node::DISCRIMINATOR) {
            return Err(Error::from(ErrorCode::AccountDiscriminatorMismatch).with_account_name("node"));
        }
        let operator = Pubkey::new_from_array(field::<32>(data, OPERATOR)?);
        let gpu_model_len = u32::from_le_bytes(field::<4>(data, GPU_MODEL)?) as usize;
        // Past the string's length and bytes, and `tier`.
        let share_at = gpu_model_len
            .checked_add(GPU_MODEL + 4 + 1)
            .ok_or_else(not_a_node)?;
        let staker_share_bps = u16::from_le_bytes(field::<2>(data, share_at)?);
        Ok(Self { operator, staker_share_bps })
    }
}

/// `N` bytes of `data` at `at`.
fn field<const N: usize>(data: &[u8], at: usize) -> Result<[u8; N]> {
    at.checked_add(N)
        .and_then(|end| data.get(at..end))
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(not_a_node)
}

fn not_a_node() -> Error {
    Error::from(ErrorCode::AccountDidNotDeserialize).with_account_name("node")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(gpu_model: &str, operator: Pubkey, staker_share_bps: u16) -> Node {
        Node {
            version: 1,
            bump: 254,
            operator,
            node_key: Pubkey::new_unique(),
            gpu_model: gpu_model.into(),
            tier: 3,
            staker_share_bps,
            token_share_bps: 1_000,
            total_stake: 5,
            total_shares: 6,
            active_shares: 7,
            reward_per_share: 8,
            undistributed_rewards: 9,
            slash_count: 1,
            total_slashed: 2,
            active: true,
            registered_at: 3,
            _reserved: [0; 64],
        }
    }

    #[test]
    fn reads_operator_and_staker_share_of_anchor_serialized_nodes() {
        for gpu_model in ["", "H100", "NVIDIA H100 80GB HBM3"] {
            let operator = Pubkey::new_unique();
            let mut data = Vec::new();
            node(gpu_model, operator, 275).try_serialize(&mut data).unwrap();
            assert_eq!(
                NodeTerms::parse(&data).unwrap(),
                NodeTerms { operator, staker_share_bps: 275 }
            );
        }
    }

    #[test]
    fn refuses_other_accounts_and_short_data() {
        let mut data = Vec::new();
        node("H100", Pubkey::new_unique(), 100).try_serialize(&mut data).unwrap();
        let mut other = data.clone();
        other[0] ^= 1;
        assert_eq!(
            NodeTerms::parse(&other).unwrap_err(),
            ErrorCode::AccountDiscriminatorMismatch.into()
        );
        // Cut inside the operator, the string and the share.
        for len in [20, 8 + 2 + 64 + 2, 8 + 2 + 64 + 4 + 4 + 1 + 1] {
            assert_eq!(
                NodeTerms::parse(&data[..len]).unwrap_err(),
                ErrorCode::AccountDidNotDeserialize.into()
            );
        }
        // A string length that runs past the end (or overflows) is refused, not a panic.
        let mut long = data.clone();
        long[74..78].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            NodeTerms::parse(&long).unwrap_err(),
            ErrorCode::AccountDidNotDeserialize.into()
        );
    }
}
