//! What settle reads of a staking `Node`: its operator and token share.
//!
//! `Account<'info, Node>` decodes all twenty fields (three u128s, the reward accumulator, …)
//! for two of them, ~500 units. `Account<'info, NodePayee>` makes the same checks
//! (owner = the staking program, Node's discriminator: AccountOwnedByWrongProgram /
//! AccountDiscriminatorMismatch as Anchor reports them) and decodes only the fields up to
//! `token_share_bps`. The layout is staking's (frozen: escrow and rewards read it); the unit
//! test below decodes real `Node`s, so a change there fails the build's tests.

use anchor_lang::prelude::*;
use anchor_lang::Discriminator;
use staking::state::Node;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodePayee {
    /// Receives the node's job payouts.
    pub operator: Pubkey,
    /// Part of the node's payout that goes to buy-back (USDC) or burn (IO).
    pub token_share_bps: u16,
}

/// The leading fields of `staking::state::Node`, in its order and with its types.
#[derive(AnchorDeserialize)]
struct NodeHead {
    _version: u8,
    _bump: u8,
    operator: Pubkey,
    _node_key: Pubkey,
    _gpu_model: String,
    _tier: u8,
    _staker_share_bps: u16,
    token_share_bps: u16,
}

impl AccountDeserialize for NodePayee {
    fn try_deserialize(buf: &mut &[u8]) -> Result<Self> {
        if buf.len() < Node::DISCRIMINATOR.len() {
            return Err(ErrorCode::AccountDiscriminatorNotFound.into());
        }
        if &buf[..Node::DISCRIMINATOR.len()] != Node::DISCRIMINATOR {
            return Err(ErrorCode::AccountDiscriminatorMismatch.into());
        }
        Self::try_deserialize_unchecked(buf)
    }

    fn try_deserialize_unchecked(buf: &mut &[u8]) -> Result<Self> {
        let mut data: &[u8] = &buf[Node::DISCRIMINATOR.len()..];
        let head =
            NodeHead::deserialize(&mut data).map_err(|_| ErrorCode::AccountDidNotDeserialize)?;
        Ok(Self {
            operator: head.operator,
            token_share_bps: head.token_share_bps,
        })
    }
}

impl AccountSerialize for NodePayee {}

impl Owner for NodePayee {
    fn owner() -> Pubkey {
        Node::owner()
    }
}

impl Discriminator for NodePayee {
    const DISCRIMINATOR: &'static [u8] = Node::DISCRIMINATOR;
}

/// Kept out of the IDL (default `IdlBuild`): the IDL describes `Node` itself (open_job).
#[cfg(feature = "idl-build")]
impl anchor_lang::IdlBuild for NodePayee {}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(gpu_model: &str, token_share_bps: u16) -> Node {
        Node {
            version: 1,
            bump: 254,
            operator: Pubkey::new_unique(),
            node_key: Pubkey::new_unique(),
            gpu_model: gpu_model.to_string(),
            tier: 3,
            staker_share_bps: 250,
            token_share_bps,
            total_stake: u64::MAX,
            total_shares: u128::MAX,
            active_shares: 7,
            reward_per_share: 9,
            undistributed_rewards: 11,
            slash_count: 2,
            total_slashed: 13,
            active: true,
            registered_at: 1_700_000_000,
            _reserved: [0xAB; 64],
        }
    }

    #[test]
    fn reads_operator_and_token_share_of_real_nodes() {
        for (model, bps) in [
            ("", 0),
            ("H100", 1),
            ("NVIDIA H100 80GB HBM3", 1_000),
            (&"x".repeat(32)[..], 10_000),
        ] {
            let node = node(model, bps);
            let mut data = Vec::new();
            node.try_serialize(&mut data).unwrap();
            let payee = NodePayee::try_deserialize(&mut &data[..]).unwrap();
            assert_eq!(
                payee,
                NodePayee {
                    operator: node.operator,
                    token_share_bps: bps
                }
            );
        }
    }

    #[test]
    fn refuses_other_accounts() {
        let mut data = Vec::new();
        node("A100", 5).try_serialize(&mut data).unwrap();
        data[0] ^= 1;
        assert!(NodePayee::try_deserialize(&mut &data[..]).is_err());
        assert!(NodePayee::try_deserialize(&mut &data[..4]).is_err());
        let mut stake = Vec::new();
        stake.extend_from_slice(staking::state::StakePosition::DISCRIMINATOR);
        stake.extend_from_slice(&[0; 200]);
        assert!(NodePayee::try_deserialize(&mut &stake[..]).is_err());
    }
}
