use anchor_lang::prelude::*;

#[error_code]
pub enum EscrowError {
    #[msg("Signer is not the escrow admin")]
    NotAdmin,
    #[msg("Signer is not the job's renter")]
    NotRenter,
    #[msg("Signer is not the job's node key")]
    NotNodeKey,
    #[msg("Signer is neither the job's node key nor the oracle authority")]
    NotCompleter,
    #[msg("An authority key may not be the default (all-zero) key")]
    InvalidAuthority,
    #[msg("IO mint is not the rewards program's IO mint")]
    WrongIoMint,
    #[msg("USDC mint and IO mint must differ")]
    SameMints,
    #[msg("Payment mint is neither USDC nor IO")]
    UnsupportedMint,
    #[msg("Account is not the configured burn vault")]
    WrongBurnVault,
    #[msg("Account is not the job's node")]
    WrongNode,
    #[msg("Account is not the job's renter")]
    WrongRenter,
    #[msg("Timeouts must be within 1 s..1 year (start) and 0..1 year (grace)")]
    InvalidTimeout,
    #[msg("Escrow is paused: no new jobs")]
    Paused,
    #[msg("Node is not active")]
    NodeInactive,
    #[msg("Hours reserved must be at least 1")]
    ZeroHours,
    #[msg("Price per hour must be at least 1")]
    ZeroPrice,
    #[msg("Job is not open")]
    JobNotOpen,
    #[msg("Job is not started")]
    JobNotStarted,
    #[msg("Job is not completed")]
    JobNotCompleted,
    #[msg("Start deadline has passed")]
    StartDeadlinePassed,
    #[msg("Completion deadline has passed")]
    CompleteDeadlinePassed,
    #[msg("Hours used exceed hours reserved")]
    HoursExceedReserved,
    #[msg("Hours used exceed the hours begun since the job started")]
    HoursExceedElapsed,
    #[msg("Job cannot be reclaimed yet")]
    NotReclaimable,
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("Account is not the escrow config PDA")]
    WrongConfig,
    #[msg("Account is not the escrow vault of the payment mint")]
    WrongVault,
    #[msg("Signer is not the upgrade authority recorded in the program's ProgramData")]
    NotUpgradeAuthority,
    #[msg("Account is not this program's ProgramData")]
    WrongProgramData,
    #[msg("Job id already used by this renter")]
    JobIdReused,
    #[msg("Dispute window must be within 60 s..7 days")]
    InvalidDisputeWindow,
    #[msg("Job cannot be settled yet: its dispute window is open or a dispute is undecided")]
    NotSettleable,
    #[msg("Dispute window has closed")]
    DisputeWindowClosed,
    #[msg("Job was already disputed")]
    AlreadyDisputed,
    #[msg("Signer may not dispute this completion")]
    NotDisputer,
    #[msg("Job is not disputed")]
    JobNotDisputed,
    #[msg("Signer is not the arbiter of this dispute")]
    NotArbiter,
    #[msg("Signer holds no proposed authority")]
    NothingToAccept,
    #[msg("Account is not the job's renter ledger at its canonical address")]
    WrongRenterLedger,
    #[msg("Account is not the canonical job address for this renter and id")]
    WrongJobAddress,
}
