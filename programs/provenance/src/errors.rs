use anchor_lang::prelude::*;

#[error_code]
pub enum ProvenanceError {
    #[msg("Signer is not the authority this account requires")]
    Unauthorized,
    #[msg("An authority cannot be the default (all-zero) public key")]
    InvalidAuthority,
    #[msg("Batch sequence must equal the config's next_sequence")]
    SequenceMismatch,
    #[msg("A batch must hold at least one receipt")]
    EmptyBatch,
    #[msg("A batch root cannot be all zeroes")]
    InvalidRoot,
    #[msg("Batch time window must satisfy first_ts <= last_ts <= now")]
    InvalidTimeWindow,
    #[msg("Receipt timestamp lies outside its batch's time window")]
    ReceiptOutsideBatchWindow,
    #[msg("Proof is longer than the batch's tree is deep")]
    ProofTooLong,
    #[msg("Merkle proof does not lead to the batch root")]
    InvalidProof,
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("Account is not the provenance config")]
    UnexpectedAccount,
    #[msg("Signer is not the upgrade authority recorded in the program's ProgramData")]
    NotUpgradeAuthority,
    #[msg("Account is not this program's ProgramData")]
    WrongProgramData,
    #[msg("Account is not the canonical batch address for this sequence")]
    WrongBatchAddress,
    #[msg("Signer is not a pending authority of the config")]
    NothingToAccept,
}
