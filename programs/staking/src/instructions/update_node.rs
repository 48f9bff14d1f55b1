use anchor_lang::prelude::*;
use io_common::pda;

use crate::errors::StakingError;
use crate::events::NodeUpdated;
use crate::state::{proposal, Node, StakingConfig};

/// Fields to change; `None` leaves a field as it is. The device key is fixed (it keys the PDA).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default)]
pub struct UpdateNodeParams {
    /// Proposes another operator wallet (`pending_operator`); it takes the node over (and its
    /// pay) when it signs `accept_node_operator`. Proposing again replaces the proposal;
    /// proposing the current operator cancels it.
    pub operator: Option<Pubkey>,
    pub gpu_model: Option<String>,
    pub tier: Option<u8>,
    /// 100..=300 bps; applies after max(unstake cooldown, 1 day) (`shares_effective_at`).
    pub staker_share_bps: Option<u16>,
    /// 0..=10000 bps; applies after the same delay.
    pub token_share_bps: Option<u16>,
    /// An inactive node takes no new stake and no new jobs; running jobs are unaffected.
    pub active: Option<bool>,
}

/// The operator changes its node's settings.
#[derive(Accounts)]
pub struct UpdateNode<'info> {
    pub operator: Signer<'info>,
    /// The `[CONFIG]` PDA: its unstake cooldown sets how long a share change waits.
    #[account(address = pda::STAKING_CONFIG @ StakingError::WrongConfig)]
    pub config: Box<Account<'info, StakingConfig>>,
    /// A registered node, run by the signer.
    #[account(
        mut,
        has_one = operator @ StakingError::NotOperator,
    )]
    pub node: Box<Account<'info, Node>>,
}

impl UpdateNode<'_> {
    pub fn handler(&mut self, params: UpdateNodeParams) -> Result<()> {
        let node = &mut self.node;
        if let Some(operator) = params.operator {
            // Two-step, like every handover: a mistyped key can never take the node's pay.
            node.pending_operator = proposal(node.operator, operator)?;
        }
        if let Some(model) = params.gpu_model {
            Node::validate_gpu_model(&model)?;
            node.gpu_model = model;
        }
        if let Some(tier) = params.tier {
            node.tier = tier;
        }
        let now = Clock::get()?.unix_timestamp;
        if params.staker_share_bps.is_some() || params.token_share_bps.is_some() {
            // Delayed, so a share cannot be changed in the same transaction as a claim or a
            // settlement, and stakers see a change coming and can leave first.
            node.schedule_shares(
                params.staker_share_bps,
                params.token_share_bps,
                now,
                self.config.share_change_delay(),
            )?;
        }
        if let Some(active) = params.active {
            node.active = active;
        }
        emit!(NodeUpdated {
            node: node.key(),
            operator: node.operator,
            pending_operator: node.pending_operator,
            gpu_model: node.gpu_model.clone(),
            tier: node.tier,
            staker_share_bps: node.staker_share_bps_at(now),
            token_share_bps: node.token_share_bps_at(now),
            pending_staker_share_bps: node.pending_staker_share_bps,
            pending_token_share_bps: node.pending_token_share_bps,
            shares_effective_at: node.shares_effective_at,
            active: node.active,
        });
        Ok(())
    }
}
