//! The two steps of every authority handover in the four programs: `update_config` (or
//! `update_node`) proposes a key, and only that key, signing, takes the role. A mistyped key
//! therefore never holds a role, and the old key keeps working until the new one has signed.

use anchor_lang::prelude::Pubkey;

/// The value to store as pending when `key` is proposed for a role `current` holds: proposing the
/// current key withdraws a proposal (nothing pending). `None` for the default key, which nobody
/// can sign for (each program answers it with its `InvalidAuthority`).
pub fn proposal(current: Pubkey, key: Pubkey) -> Option<Pubkey> {
    if key == Pubkey::default() {
        return None;
    }
    Some(if key == current {
        Pubkey::default()
    } else {
        key
    })
}

/// The second step for one role: when `signer` is the pending key it becomes the holder and
/// nothing stays pending. Whether it did.
pub fn accept(holder: &mut Pubkey, pending: &mut Pubkey, signer: Pubkey) -> bool {
    if *pending != signer || signer == Pubkey::default() {
        return false;
    }
    *holder = signer;
    *pending = Pubkey::default();
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proposal_replaces_withdraws_or_is_refused() {
        let current = Pubkey::new_unique();
        let next = Pubkey::new_unique();
        assert_eq!(proposal(current, next), Some(next));
        assert_eq!(proposal(current, current), Some(Pubkey::default()));
        assert_eq!(proposal(current, Pubkey::default()), None);
    }

    #[test]
    fn only_the_pending_key_takes_the_role() {
        let (old, next, other) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let (mut holder, mut pending) = (old, next);
        assert!(!accept(&mut holder, &mut pending, other));
        assert_eq!((holder, pending), (old, next));
        assert!(accept(&mut holder, &mut pending, next));
        assert_eq!((holder, pending), (next, Pubkey::default()));
        assert!(!accept(&mut holder, &mut pending, next));
        // Nothing pending: the default key (no signer has it) takes nothing.
        assert!(!accept(&mut holder, &mut pending, Pubkey::default()));
        assert_eq!(holder, next);
    }
}
