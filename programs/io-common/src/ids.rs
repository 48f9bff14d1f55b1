//! Program ids of the workspace; each program's `declare_id!` must match (tested there).
use anchor_lang::prelude::Pubkey;
use anchor_lang::pubkey;

pub const ESCROW: Pubkey = pubkey!("E491SwqM2vr41jAyWrJGQCk4hgB45HVf5vDMqvrZZuQc");
pub const STAKING: Pubkey = pubkey!("2HGoJbbsdN93VNGUFhGjmKSs5ArWpmedAGsuh73M19TL");
pub const REWARDS: Pubkey = pubkey!("B7jphsoNzWi1Y1oykBm4gA5W8KXDbKUA8spAbqjWg9cs");
pub const PROVENANCE: Pubkey = pubkey!("HcDV1UaandWxUnR3Dvp9aM195mpvNofpv5B24V3VtUFd");
