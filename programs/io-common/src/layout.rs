//! What every account of the four programs shares in its layout.

/// Layout version the four programs write into every account they create (its `version`
/// field), so a future migration can branch on it without decoding the rest.
pub const ACCOUNT_VERSION: u8 = 1;
