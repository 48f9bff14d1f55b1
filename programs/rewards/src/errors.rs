use anchor_lang::prelude::*;

#[error_code]
pub enum RewardsError {
    #[msg("Signer is not the authority this account requires")]
    Unauthorized,
    #[msg("An authority cannot be the default (all-zero) public key")]
    InvalidAuthority,
    #[msg("Emission start must be within 7 days before and 365 days after initialize")]
    InvalidStartTime,
    #[msg("Account is not the one recorded in the rewards config")]
    UnexpectedAccount,
    #[msg("Token account holds the wrong mint")]
    WrongMint,
    #[msg("Genesis supply has already been minted")]
    GenesisAlreadyMinted,
    #[msg("Genesis supply must be minted before emission starts")]
    GenesisNotMinted,
    #[msg("max_hours must be between 1 and MAX_EMIT_HOURS")]
    InvalidMaxHours,
    #[msg("The next hour to emit has not ended yet")]
    HourNotEnded,
    #[msg("The emission schedule has ended; nothing is left to emit")]
    NothingToEmit,
    #[msg("Minting would take the supply past 800,000,000 IO")]
    SupplyCapExceeded,
    #[msg("Epoch has not been emitted yet")]
    EpochNotEmitted,
    #[msg("An epoch root needs at least one leaf and a non-zero total")]
    EmptyEpoch,
    #[msg("A Merkle root cannot be all zeroes")]
    InvalidRoot,
    #[msg("Epoch total exceeds the emitted IO not yet allocated to an epoch")]
    InsufficientUnallocated,
    #[msg("Claim amount must be greater than zero")]
    ZeroAmount,
    #[msg("Proof has more than 32 siblings")]
    ProofTooLong,
    #[msg("Merkle proof does not lead to the epoch root")]
    InvalidProof,
    #[msg("Claims would exceed the epoch's posted total")]
    ClaimExceedsEpochTotal,
    #[msg("The burn vault is empty")]
    NothingToBurn,
    #[msg("Burn epoch must be the hour in progress")]
    WrongBurnEpoch,
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("Signer is not the upgrade authority recorded in the program's ProgramData")]
    NotUpgradeAuthority,
    #[msg("Account is not this program's ProgramData")]
    WrongProgramData,
    #[msg("Emission hours must be paid in order (the cursor never steps back)")]
    EmissionOutOfOrder,
    #[msg("The epoch's claim window has closed")]
    ClaimWindowClosed,
    #[msg("The epoch's claim window is still open")]
    ClaimWindowOpen,
    #[msg("The epoch root has already expired")]
    EpochAlreadyExpired,
    #[msg("Signer is not a pending authority of the config")]
    NothingToAccept,
    #[msg("The epoch root account holds another epoch")]
    WrongEpoch,
    #[msg("The claim receipt is not the PDA [CLAIM, epoch, node]")]
    WrongClaimReceipt,
    #[msg("The epoch root has not expired yet")]
    EpochNotExpired,
    #[msg("The rent goes back to the account that paid it")]
    WrongRentReceiver,
}
