use anchor_lang::prelude::*;
use io_common::layout::ACCOUNT_VERSION;
use io_common::seeds;

use crate::events::NodeRegistered;
use crate::state::Node;

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
    /// The node, PDA `[NODE, node_key]`, created here (also when someone sent lamports to the
    /// address beforehand); a device key registered twice fails in the system program
    /// (account already in use).
    #[account(
        init,
        payer = operator,
        space = 8 + Node::INIT_SPACE,
        seeds = [seeds::NODE, node_key.key().as_ref()],
        bump,
    )]
    pub node: Box<Account<'info, Node>>,
    pub system_program: Program<'info, System>,
}

impl RegisterNode<'_> {
    pub fn handler(&mut self, bump: u8, params: RegisterNodeParams) -> Result<()> {
        Node::validate_gpu_model(&params.gpu_model)?;
        Node::validate_staker_share(params.staker_share_bps)?;
        Node::validate_token_share(params.token_share_bps)?;
        let now = Clock::get()?.unix_timestamp;
        self.node.set_inner(Node {
            version: ACCOUNT_VERSION,
            bump,
            operator: self.operator.key(),
            node_key: self.node_key.key(),
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
            pending_operator: Pubkey::default(),
            pending_staker_share_bps: params.staker_share_bps,
            pending_token_share_bps: params.token_share_bps,
            shares_effective_at: 0,
            activating_shares: 0,
            _reserved: [0; 4],
        });
        emit!(NodeRegistered {
            node: self.node.key(),
            operator: self.operator.key(),
            node_key: self.node_key.key(),
            gpu_model: params.gpu_model,
            tier: params.tier,
            staker_share_bps: params.staker_share_bps,
            token_share_bps: params.token_share_bps,
            registered_at: now,
        });
        Ok(())
    }
}
