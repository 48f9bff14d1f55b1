use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::{pda, seeds};

use crate::errors::StakingError;
use crate::events::NodeSlashed;
use crate::state::{
    Node, SlashEvidence, SlashRecord, StakingConfig, ACCOUNT_VERSION, MAX_SLASH_REASON_LEN,
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
    /// The `[CONFIG]` PDA.
    #[account(
        address = pda::STAKING_CONFIG @ StakingError::WrongConfig,
        has_one = slashing_authority @ StakingError::NotSlashingAuthority,
        has_one = burn_vault @ StakingError::WrongBurnVault,
    )]
    pub config: Box<Account<'info, StakingConfig>>,
    /// A registered node.
    #[account(mut)]
    pub node: Box<Account<'info, Node>>,
    /// The record of this slash, PDA `[SLASH, node, slash_count u32 LE]`: one per slash, never
    /// overwritten. Created by the handler (also when someone sent lamports to the public
    /// address beforehand, so that cannot block slashing the node) instead of by `init` with
    /// `seeds` and `bump`, whose `find_program_address` costs 1,500 CU a bump tried: slash
    /// measured 19,665 CU with `init`, 17,493 this way (budget 18,000). It must be the canonical
    /// PDA (ConstraintSeeds) and not hold an account yet (the System Program refuses it: already
    /// in use).
    /// CHECK: by the handler, as described above.
    #[account(mut)]
    pub slash_record: UncheckedAccount<'info>,
    /// Marks the evidence as used, PDA `[SLASH_EVIDENCE, evidence_hash]` (`SlashEvidence`),
    /// created by the handler like `slash_record`: a second slash with the same evidence (on
    /// any node, whatever else the caller passes) fails in the System Program (already in use);
    /// another address here fails ConstraintSeeds.
    /// CHECK: by the handler, as described above.
    #[account(mut)]
    pub evidence: UncheckedAccount<'info>,
    /// The `[STAKE_VAULT]` PDA.
    #[account(mut, address = pda::STAKE_VAULT @ StakingError::WrongStakeVault)]
    pub stake_vault: Box<Account<'info, TokenAccount>>,
    /// The rewards program's burn vault (`config.burn_vault`).
    #[account(mut, token::mint = config.io_mint)]
    pub burn_vault: Box<Account<'info, TokenAccount>>,
    /// Optional: IO account of whoever proved the fraud; gets the reporter share in force
    /// (`StakingConfig::reporter_share_at`).
    /// (Anchor's duplicate-mutable-account check refuses the stake or burn vault here.)
    #[account(mut, token::mint = config.io_mint)]
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
            params.fraction_bps <= self.config.max_slash_bps,
            StakingError::SlashExceedsCap
        );
        let now = Clock::get()?.unix_timestamp;
        let reporter = self
            .reporter_token_account
            .as_ref()
            .map(|account| account.owner);
        let node_address = self.node.key();
        let node = &mut self.node;
        let split = node.slash_split(
            params.fraction_bps,
            self.config.reporter_share_at(now),
            reporter.is_some(),
        )?;
        let index = node.slash_count;
        let stake_before = node.total_stake;
        node.apply_slash(split.amount)?;
        let stake_after = node.total_stake;

        // What `init` + `seeds` + `bump` would do, with the canonical bump confirmed by
        // `pda::canonical_bump` (~400 CU a bump step) instead of `find_program_address`.
        let record_info = self.slash_record.to_account_info();
        let index_bytes = index.to_le_bytes();
        let record_seeds: [&[u8]; 3] = [seeds::SLASH, node_address.as_ref(), &index_bytes];
        let bump = pda::canonical_bump(&record_seeds, record_info.key, &crate::ID)
            .ok_or(ErrorCode::ConstraintSeeds)?;
        pda::create_account(
            &self.payer.to_account_info(),
            &record_info,
            &self.system_program.to_account_info(),
            &[record_seeds[0], record_seeds[1], record_seeds[2], &[bump]],
            8 + SlashRecord::INIT_SPACE,
            &crate::ID,
        )?;
        let evidence_info = self.evidence.to_account_info();
        let evidence_seeds: [&[u8]; 2] = [seeds::SLASH_EVIDENCE, &params.evidence_hash];
        let evidence_bump = pda::canonical_bump(&evidence_seeds, evidence_info.key, &crate::ID)
            .ok_or(ErrorCode::ConstraintSeeds)?;
        pda::create_account(
            &self.payer.to_account_info(),
            &evidence_info,
            &self.system_program.to_account_info(),
            &[evidence_seeds[0], evidence_seeds[1], &[evidence_bump]],
            8 + SlashEvidence::INIT_SPACE,
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
            evidence: evidence_info.key(),
            reason: record.reason.clone(),
            stake_before,
            stake_after,
            timestamp: now,
        });
        record.try_serialize(&mut &mut record_info.try_borrow_mut_data()?[..])?;
        SlashEvidence {
            version: ACCOUNT_VERSION,
            bump: evidence_bump,
            evidence_hash: params.evidence_hash,
            node: node_address,
            slash_record: record_info.key(),
            timestamp: now,
        }
        .try_serialize(&mut &mut evidence_info.try_borrow_mut_data()?[..])?;
        Ok(())
    }

    fn pay_from_stake_vault(&self, to: AccountInfo<'info>, amount: u64) -> Result<()> {
        let signer: &[&[&[u8]]] = &[&[seeds::CONFIG, &[self.config.bump]]];
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
