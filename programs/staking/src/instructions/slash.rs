use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::seeds;

use crate::errors::StakingError;
use crate::events::NodeSlashed;
use crate::state::{Node, SlashRecord, StakingConfig, ACCOUNT_VERSION, MAX_SLASH_REASON_LEN};

/// What a slash is for.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct SlashParams {
    /// 1..=10000 bps of the node's whole pool (active and unbonding stake).
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
    #[account(
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = slashing_authority @ StakingError::NotSlashingAuthority,
        has_one = burn_vault @ StakingError::WrongBurnVault,
    )]
    pub config: Box<Account<'info, StakingConfig>>,
    #[account(mut, seeds = [seeds::NODE, node.node_key.as_ref()], bump = node.bump)]
    pub node: Box<Account<'info, Node>>,
    /// PDA `[SLASH, node, slash_count u32 LE]`: one per slash, never overwritten.
    #[account(
        init,
        payer = payer,
        space = 8 + SlashRecord::INIT_SPACE,
        seeds = [seeds::SLASH, node.key().as_ref(), &node.slash_count.to_le_bytes()],
        bump,
    )]
    pub slash_record: Box<Account<'info, SlashRecord>>,
    #[account(mut, seeds = [seeds::STAKE_VAULT], bump = config.stake_vault_bump)]
    pub stake_vault: Box<Account<'info, TokenAccount>>,
    /// The rewards program's burn vault (`config.burn_vault`).
    #[account(mut, token::mint = config.io_mint)]
    pub burn_vault: Box<Account<'info, TokenAccount>>,
    /// Optional: IO account of whoever proved the fraud; gets `reporter_share_bps`.
    /// (Anchor's duplicate-mutable-account check refuses the stake or burn vault here.)
    #[account(mut, token::mint = config.io_mint)]
    pub reporter_token_account: Option<Box<Account<'info, TokenAccount>>>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Slash>, params: SlashParams) -> Result<()> {
    require!(
        params.reason.len() <= MAX_SLASH_REASON_LEN,
        StakingError::ReasonTooLong
    );
    let accounts = ctx.accounts;
    let reporter = accounts
        .reporter_token_account
        .as_ref()
        .map(|account| account.owner);
    let node_address = accounts.node.key();

    let node = &mut accounts.node;
    let split = node.slash_split(
        params.fraction_bps,
        accounts.config.reporter_share_bps,
        reporter.is_some(),
    )?;
    let index = node.slash_count;
    let stake_before = node.total_stake;
    node.apply_slash(split.amount)?;
    let stake_after = node.total_stake;
    let now = Clock::get()?.unix_timestamp;

    if let Some(reporter_account) = accounts.reporter_token_account.as_ref() {
        if split.reporter_amount > 0 {
            pay_from_stake_vault(
                accounts,
                reporter_account.to_account_info(),
                split.reporter_amount,
            )?;
        }
    }
    if split.burned > 0 {
        pay_from_stake_vault(
            accounts,
            accounts.burn_vault.to_account_info(),
            split.burned,
        )?;
    }

    let record = SlashRecord {
        version: ACCOUNT_VERSION,
        bump: ctx.bumps.slash_record,
        node: node_address,
        index,
        authority: accounts.slashing_authority.key(),
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
        slash_record: accounts.slash_record.key(),
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
        stake_after: record.stake_after,
        timestamp: now,
    });
    accounts.slash_record.set_inner(record);
    Ok(())
}

fn pay_from_stake_vault<'info>(
    accounts: &Slash<'info>,
    to: AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    let bump = [accounts.config.bump];
    let signer: &[&[&[u8]]] = &[&[seeds::CONFIG, &bump]];
    token::transfer(
        CpiContext::new_with_signer(
            accounts.token_program.key(),
            Transfer {
                from: accounts.stake_vault.to_account_info(),
                to,
                authority: accounts.config.to_account_info(),
            },
            signer,
        ),
        amount,
    )
}
