use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::NodeOperatorAccepted;
use crate::state::Node;

/// The second step of a node handover: the operator proposed by `update_node` signs and takes
/// the node (and its pay) over.
#[derive(Accounts)]
pub struct AcceptNodeOperator<'info> {
    /// The node's `pending_operator`.
    pub new_operator: Signer<'info>,
    /// A registered node with this handover pending.
    #[account(
        mut,
        constraint = node.pending_operator == new_operator.key() @ StakingError::NothingToAccept,
    )]
    pub node: Box<Account<'info, Node>>,
}

impl AcceptNodeOperator<'_> {
    pub fn handler(&mut self) -> Result<()> {
        let node = &mut self.node;
        let previous_operator = node.operator;
        node.operator = self.new_operator.key();
        node.pending_operator = Pubkey::default();
        emit!(NodeOperatorAccepted {
            node: node.key(),
            previous_operator,
            operator: node.operator,
        });
        Ok(())
    }
}
