use anchor_lang::prelude::*;
use io_common::pda::{create_pda_account, is_uncreated};
use io_common::seeds;

use crate::errors::StakingError;
use crate::events::NodeRegistered;
use crate::state::{Node, ACCOUNT_VERSION};

/// A node's description at registration.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct RegisterNodeParams {
    /// At most 32 bytes.
    pub gpu_model: String,
    pub tier: u8,
    /// 100..=300 bps of the node's rewards go to its stakers.
    pub staker_share_bps: u16,
    /// 0..=10000 bps of the node's job payout goes to buy-back/burn.
    pub token_share_bps: u16,
}

/// Registers a node. Both the operator and the device key sign, so nobody can register a
/// device key they do not hold (the Node PDA is keyed by it).
#[derive(Accounts)]
pub struct RegisterNode<'info> {
    /// Runs the node and receives its pay; pays for the account.
    #[account(mut)]
    pub operator: Signer<'info>,
    /// The node's device key.
    pub node_key: Signer<'info>,
    /// CHECK: the node, PDA `[NODE, node_key]` (seeds checked here); created by the handler
    /// (`NodeAlreadyRegistered` if it exists). Not Anchor's `init`: that fails on an address
    /// someone sent lamports to, and the address of a device key is known in advance.
    #[account(mut, seeds = [seeds::NODE, node_key.key().as_ref()], bump)]
    pub node: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<RegisterNode>, params: RegisterNodeParams) -> Result<()> {
    Node::validate_gpu_model(&params.gpu_model)?;
    Node::validate_staker_share(params.staker_share_bps)?;
    Node::validate_token_share(params.token_share_bps)?;
    let now = Clock::get()?.unix_timestamp;

    let accounts = ctx.accounts;
    let node_info = accounts.node.to_account_info();
    // Lamports alone (a pre-funded address) are not a registration; data or an owner is.
    require!(
        is_uncreated(&node_info),
        StakingError::NodeAlreadyRegistered
    );
    let node_key = accounts.node_key.key();
    create_pda_account(
        &accounts.operator.to_account_info(),
        &node_info,
        &accounts.system_program.to_account_info(),
        8 + Node::INIT_SPACE,
        &crate::ID,
        &[seeds::NODE, node_key.as_ref(), &[ctx.bumps.node]],
    )?;
    let node = Node {
        version: ACCOUNT_VERSION,
        bump: ctx.bumps.node,
        operator: accounts.operator.key(),
        node_key: accounts.node_key.key(),
        gpu_model: params.gpu_model.clone(),
        tier: params.tier,
        staker_share_bps: params.staker_share_bps,
        token_share_bps: params.token_share_bps,
        total_stake: 0,
        total_shares: 0,
        active_shares: 0,
        reward_per_share: 0,
        undistributed_rewards: 0,
        slash_count: 0,
        total_slashed: 0,
        active: true,
        registered_at: now,
        _reserved: [0; 64],
    };
    node.try_serialize(&mut &mut node_info.try_borrow_mut_data()?[..])?;

    emit!(NodeRegistered {
        node: accounts.node.key(),
        operator: accounts.operator.key(),
        node_key: accounts.node_key.key(),
        gpu_model: params.gpu_model,
        tier: params.tier,
        staker_share_bps: params.staker_share_bps,
        token_share_bps: params.token_share_bps,
        registered_at: now,
    });
    Ok(())
}
