use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_common::pda::{create_pda_account, is_uncreated};
use io_common::seeds;

use crate::addresses;
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
    /// The `[CONFIG]` PDA: its compile-time address (a 32-byte compare, no derivation).
    #[account(
        address = addresses::CONFIG @ StakingError::WrongConfig,
        has_one = slashing_authority @ StakingError::NotSlashingAuthority,
        has_one = burn_vault @ StakingError::WrongBurnVault,
    )]
    pub config: Box<Account<'info, StakingConfig>>,
    /// A registered node (owner + discriminator: only `register_node` creates `Node`
    /// accounts, always at `[NODE, node_key]`), so its seeds are not re-derived.
    #[account(mut)]
    pub node: Box<Account<'info, Node>>,
    /// CHECK: PDA `[SLASH, node, slash_count u32 LE]` (seeds checked here): one per slash,
    /// never overwritten. Created by the handler (`SlashRecordExists` if it exists), not by
    /// Anchor's `init`, which fails on an address someone sent lamports to — and the next
    /// record's address is public, so one lamport would block slashing the node for good.
    #[account(mut, seeds = [seeds::SLASH, node.key().as_ref(), &node.slash_count.to_le_bytes()], bump)]
    pub slash_record: UncheckedAccount<'info>,
    /// The `[STAKE_VAULT]` PDA (compile-time address).
    #[account(mut, address = addresses::STAKE_VAULT @ StakingError::WrongStakeVault)]
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
    /// Optional: the node's latest slash record (index `slash_count − 1`). When given, a
    /// slash with the same evidence hash is refused (`EvidenceAlreadySlashed`), so a slashing
    /// authority that rebuilds a timed-out transaction cannot slash the same fraud twice.
    /// (Also what keeps `SlashRecord` in the IDL: the record created above is written by
    /// hand, so this is the program's one typed read of it.)
    #[account(
        constraint = previous_slash_record.node == node.key() @ StakingError::WrongNode,
        constraint = u64::from(previous_slash_record.index) + 1 == u64::from(node.slash_count)
            @ StakingError::NotLatestSlashRecord,
    )]
    pub previous_slash_record: Option<Box<Account<'info, SlashRecord>>>,
}

pub fn handler(ctx: Context<Slash>, params: SlashParams) -> Result<()> {
    require!(
        params.reason.len() <= MAX_SLASH_REASON_LEN,
        StakingError::ReasonTooLong
    );
    let accounts = ctx.accounts;
    if let Some(previous) = accounts.previous_slash_record.as_ref() {
        require!(
            previous.evidence_hash != params.evidence_hash,
            StakingError::EvidenceAlreadySlashed
        );
    }
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

    let record_info = accounts.slash_record.to_account_info();
    // Lamports alone (a pre-funded address) are not a record; data or an owner is.
    require!(is_uncreated(&record_info), StakingError::SlashRecordExists);
    let index_bytes = index.to_le_bytes();
    create_pda_account(
        &accounts.payer.to_account_info(),
        &record_info,
        &accounts.system_program.to_account_info(),
        8 + SlashRecord::INIT_SPACE,
        &crate::ID,
        &[
            seeds::SLASH,
            node_address.as_ref(),
            &index_bytes,
            &[ctx.bumps.slash_record],
        ],
    )?;

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
        stake_after: record.stake_after,
        timestamp: now,
    });
    record.try_serialize(&mut &mut record_info.try_borrow_mut_data()?[..])?;
    Ok(())
}

fn pay_from_stake_vault<'info>(
    accounts: &Slash<'info>,
    to: AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    let signer: &[&[&[u8]]] = &[addresses::CONFIG_SIGNER_SEEDS];
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
