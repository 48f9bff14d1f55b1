use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::layout::ACCOUNT_VERSION;
use io_common::{pda, seeds};

use crate::errors::StakingError;
use crate::events::NodeSlashed;
use crate::state::{
    lazy_reporter_share_bps_at, LazyStakingConfig, Node, SlashRecord, StakingConfig,
    MAX_SLASH_REASON_LEN,
};

/// What a slash is for.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct SlashParams {
    /// 1..=`config.max_slash_bps` bps of the node's whole pool (active and unbonding stake).
    pub fraction_bps: u16,
    /// Hash of the off-chain evidence of fraud.
    pub evidence_hash: [u8; 32],
    /// At most 64 bytes.
    pub reason: String,
}

/// Cuts a node's staked pool by a fraction. Every staker of the node loses the same
/// fraction (share counts stay, the stake behind them drops). Slashed IO goes to the
/// rewards program's burn vault, less the reporter's part when a reporter account is
/// given. Leaves a `SlashRecord`.
#[derive(Accounts)]
pub struct Slash<'info> {
    pub slashing_authority: Signer<'info>,
    /// Pays for the slash record (may be the authority itself).
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The `[CONFIG]` PDA (the stake vault's authority). Lazy: the authority, the cap and the
    /// reporter share are read (the whole config costs ~600 CU; slash's budget is 18,000).
    #[account(
        address = pda::STAKING_CONFIG @ StakingError::WrongConfig,
        has_one = slashing_authority @ StakingError::NotSlashingAuthority,
    )]
    pub config: LazyAccount<'info, StakingConfig>,
    /// A registered node.
    #[account(mut)]
    pub node: Box<Account<'info, Node>>,
    /// The record of this slash, PDA `[SLASH, evidence_hash]`: one per evidence, so a second
    /// slash with the same evidence (on any node, whatever else the caller passes) fails in the
    /// System Program (already in use). Created by the handler (also when someone sent lamports
    /// to the address beforehand, so that cannot block the slash) instead of by `init` with
    /// `seeds` and `bump`, whose `find_program_address` costs 1,500 CU a bump tried (slash's
    /// budget is 18,000): it must be the canonical PDA (ConstraintSeeds).
    /// CHECK: by the handler, as described above.
    #[account(mut)]
    pub slash_record: UncheckedAccount<'info>,
    /// The `[STAKE_VAULT]` PDA.
    /// CHECK: the fixed address (a token account created at initialize).
    #[account(mut, address = pda::STAKE_VAULT @ StakingError::WrongStakeVault)]
    pub stake_vault: UncheckedAccount<'info>,
    /// The rewards program's burn vault (its PDA `[BURN_VAULT]`, an IO token account).
    /// CHECK: the fixed address.
    #[account(mut, address = pda::BURN_VAULT @ StakingError::WrongBurnVault)]
    pub burn_vault: UncheckedAccount<'info>,
    /// Optional: IO account of whoever proved the fraud; gets the reporter share in force
    /// (`StakingConfig::reporter_share_at`).
    /// Neither vault (refused explicitly: being unchecked accounts, Anchor's duplicate check
    /// leaves them out).
    #[account(
        mut,
        token::mint = pda::IO_MINT,
        constraint = reporter_token_account.key() != pda::STAKE_VAULT
            && reporter_token_account.key() != pda::BURN_VAULT
            @ ErrorCode::ConstraintDuplicateMutableAccount,
    )]
    pub reporter_token_account: Option<Box<Account<'info, TokenAccount>>>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl<'info> Slash<'info> {
    pub fn handler(&mut self, params: SlashParams) -> Result<()> {
        require!(
            params.reason.len() <= MAX_SLASH_REASON_LEN,
            StakingError::ReasonTooLong
        );
        require!(
            params.fraction_bps <= *self.config.load_max_slash_bps()?,
            StakingError::SlashExceedsCap
        );
        let now = Clock::get()?.unix_timestamp;
        let reporter = self
            .reporter_token_account
            .as_ref()
            .map(|account| account.owner);
        let node_address = self.node.key();
        let node = &mut self.node;
        let reporter_share_bps = lazy_reporter_share_bps_at(&self.config, now)?;
        let split =
            node.slash_split(params.fraction_bps, reporter_share_bps, reporter.is_some())?;
        let index = node.slash_count;
        let stake_before = node.total_stake;
        node.apply_slash(split.amount)?;
        let stake_after = node.total_stake;

        // What `init` + `seeds` + `bump` would do, with the canonical bump confirmed by
        // `pda::canonical_bump` (~400 CU a bump step) instead of `find_program_address`.
        let record_info = self.slash_record.to_account_info();
        let record_seeds: [&[u8]; 2] = [seeds::SLASH, &params.evidence_hash];
        let bump = pda::canonical_bump(&record_seeds, record_info.key, &crate::ID)
            .ok_or(ErrorCode::ConstraintSeeds)?;
        pda::create_account(
            &self.payer.to_account_info(),
            &record_info,
            &self.system_program.to_account_info(),
            &[record_seeds[0], record_seeds[1], &[bump]],
            8 + SlashRecord::INIT_SPACE,
            &crate::ID,
        )?;

        if let Some(reporter_account) = self.reporter_token_account.as_ref() {
            if split.reporter_amount > 0 {
                self.pay_from_stake_vault(
                    reporter_account.to_account_info(),
                    split.reporter_amount,
                )?;
            }
        }
        if split.burned > 0 {
            self.pay_from_stake_vault(self.burn_vault.to_account_info(), split.burned)?;
        }

        let record = SlashRecord {
            version: ACCOUNT_VERSION,
            bump,
            node: node_address,
            index,
            authority: self.slashing_authority.key(),
            fraction_bps: params.fraction_bps,
            amount: split.amount,
            burned: split.burned,
            reporter: reporter.unwrap_or_default(),
            reporter_amount: split.reporter_amount,
            evidence_hash: params.evidence_hash,
            reason: params.reason,
            stake_before,
            stake_after,
            timestamp: now,
            _reserved: [0; 64],
        };
        emit!(NodeSlashed {
            node: record.node,
            slash_record: record_info.key(),
            index,
            authority: record.authority,
            fraction_bps: record.fraction_bps,
            amount: record.amount,
            burned: record.burned,
            reporter: record.reporter,
            reporter_amount: record.reporter_amount,
            evidence_hash: record.evidence_hash,
            reason: record.reason.clone(),
            stake_before,
            stake_after,
            timestamp: now,
        });
        record.try_serialize(&mut &mut record_info.try_borrow_mut_data()?[..])?;
        Ok(())
    }

    fn pay_from_stake_vault(&self, to: AccountInfo<'info>, amount: u64) -> Result<()> {
        let signer: &[&[&[u8]]] = &[&[seeds::CONFIG, &[pda::STAKING_CONFIG_BUMP]]];
        token::transfer(
            CpiContext::new_with_signer(
                self.token_program.key(),
                Transfer {
                    from: self.stake_vault.to_account_info(),
                    to,
                    authority: self.config.to_account_info(),
                },
                signer,
            ),
            amount,
        )
    }
}
