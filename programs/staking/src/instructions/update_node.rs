use anchor_lang::prelude::*;
use io_common::seeds;

use crate::errors::StakingError;
use crate::events::NodeUpdated;
use crate::state::Node;

/// Fields to change; `None` leaves a field as it is. The device key is fixed (it keys the PDA).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default)]
pub struct UpdateNodeParams {
    /// Hands the node to another operator wallet (receives pay from then on).
    pub operator: Option<Pubkey>,
    pub gpu_model: Option<String>,
    pub tier: Option<u8>,
    pub staker_share_bps: Option<u16>,
    pub token_share_bps: Option<u16>,
    /// An inactive node takes no new stake and no new jobs; running jobs are unaffected.
    pub active: Option<bool>,
}

/// The operator changes its node's settings.
#[derive(Accounts)]
pub struct UpdateNode<'info> {
    pub operator: Signer<'info>,
    /// A registered node, run by the signer.
    #[account(
        mut,
        constraint = io_common::is_program_address!(&node.key(), [seeds::NODE, node.node_key.as_ref(), &[node.bump]], crate::ID)
            @ ErrorCode::ConstraintSeeds,
        has_one = operator @ StakingError::NotOperator,
    )]
    pub node: Box<Account<'info, Node>>,
}

impl UpdateNode<'_> {
    pub fn handler(&mut self, params: UpdateNodeParams) -> Result<()> {
        let node = &mut self.node;
        if let Some(operator) = params.operator {
            require_keys_neq!(operator, Pubkey::default(), StakingError::InvalidAuthority);
            node.operator = operator;
        }
        if let Some(model) = params.gpu_model {
            Node::validate_gpu_model(&model)?;
            node.gpu_model = model;
        }
        if let Some(tier) = params.tier {
            node.tier = tier;
        }
        if let Some(bps) = params.staker_share_bps {
            Node::validate_staker_share(bps)?;
            node.staker_share_bps = bps;
        }
        if let Some(bps) = params.token_share_bps {
            Node::validate_token_share(bps)?;
            node.token_share_bps = bps;
        }
        if let Some(active) = params.active {
            node.active = active;
        }
        emit!(NodeUpdated {
            node: node.key(),
            operator: node.operator,
            gpu_model: node.gpu_model.clone(),
            tier: node.tier,
            staker_share_bps: node.staker_share_bps,
            token_share_bps: node.token_share_bps,
            active: node.active,
        });
        Ok(())
    }
}
