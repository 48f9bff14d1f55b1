// A renter and a node operator as a stock TypeScript wallet runs them: @solana/web3.js and
// @coral-xyz/anchor on the project's IDLs, every transaction through the default
// confirmation path (`.rpc()`, `sendAndConfirmTransaction`: signatureSubscribe on the RPC port
// + 1), no retries. The keeper settles; events arrive through program.addEventListener
// (logsSubscribe) and connection.onAccountChange (accountSubscribe) sees the job close.
import anchorPackage from "@coral-xyz/anchor";
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
  sendAndConfirmTransaction,
} from "@solana/web3.js";

import { ATA_PROGRAM, RPC_URL, STATE_DIR, TOKEN_PROGRAM, concat, idl, manifest, report, secretKey, u64, withTimeout } from "./common.js";

const { AnchorProvider, Program, BN, utils } = anchorPackage as any;
const PRICE = 2_000_000; // 2 USDC an hour
const HOURS_RESERVED = 10;
// The chain runs at wall speed here: one hour has begun right after the start.
const HOURS_USED = 1;
const TOKEN_SHARE_BPS = 1_000;

const connection = new Connection(RPC_URL, "confirmed");
const tokenProgram = new PublicKey(TOKEN_PROGRAM);
const usdcMint = new PublicKey(manifest.addresses.usdc_mint);
const mintAuthority = Keypair.fromSecretKey(secretKey(`${STATE_DIR}/keys/usdc_mint_authority.json`));

function wallet(keypair: Keypair) {
  return {
    publicKey: keypair.publicKey,
    payer: keypair,
    async signTransaction(transaction: any) {
      transaction.partialSign(keypair);
      return transaction;
    },
    async signAllTransactions(transactions: any[]) {
      for (const transaction of transactions) transaction.partialSign(keypair);
      return transactions;
    },
  };
}

function program(name: string, keypair: Keypair) {
  return new Program(idl(name), new AnchorProvider(connection, wallet(keypair), AnchorProvider.defaultOptions()));
}

function ata(owner: PublicKey): PublicKey {
  return PublicKey.findProgramAddressSync([owner.toBuffer(), tokenProgram.toBuffer(), usdcMint.toBuffer()], new PublicKey(ATA_PROGRAM))[0];
}

async function funded(): Promise<Keypair> {
  const keypair = Keypair.generate();
  const signature = await connection.requestAirdrop(keypair.publicKey, 10 * LAMPORTS_PER_SOL);
  const latest = await connection.getLatestBlockhash();
  const confirmation = await connection.confirmTransaction({ signature, ...latest });
  if (confirmation.value.err) throw new Error(`airdrop failed: ${JSON.stringify(confirmation.value.err)}`);
  return keypair;
}

async function usdcAccount(payer: Keypair, owner: PublicKey, amount: number): Promise<PublicKey> {
  const account = ata(owner);
  const create = new TransactionInstruction({
    programId: new PublicKey(ATA_PROGRAM),
    keys: [
      { pubkey: payer.publicKey, isSigner: true, isWritable: true },
      { pubkey: account, isSigner: false, isWritable: true },
      { pubkey: owner, isSigner: false, isWritable: false },
      { pubkey: usdcMint, isSigner: false, isWritable: false },
      { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
      { pubkey: tokenProgram, isSigner: false, isWritable: false },
    ],
    data: Buffer.from([1]), // CreateIdempotent
  });
  const transaction = new Transaction().add(create);
  const signers = [payer];
  if (amount > 0) {
    transaction.add(
      new TransactionInstruction({
        programId: tokenProgram,
        keys: [
          { pubkey: usdcMint, isSigner: false, isWritable: true },
          { pubkey: account, isSigner: false, isWritable: true },
          { pubkey: mintAuthority.publicKey, isSigner: true, isWritable: false },
        ],
        data: Buffer.from(concat(Uint8Array.from([7]), u64(amount))), // MintTo
      }),
    );
    signers.push(mintAuthority);
  }
  await sendAndConfirmTransaction(connection, transaction, signers);
  return account;
}

async function main(): Promise<void> {
  const renter = await funded();
  const operator = await funded();
  const nodeKey = await funded();
  const renterToken = await usdcAccount(renter, renter.publicKey, 100_000_000);
  const operatorToken = await usdcAccount(operator, operator.publicKey, 0);

  const staking = program("staking", operator);
  const registered = await staking.methods
    .registerNode({ gpuModel: "H100", tier: 3, stakerShareBps: 200, tokenShareBps: TOKEN_SHARE_BPS })
    .accounts({ operator: operator.publicKey, nodeKey: nodeKey.publicKey })
    .signers([nodeKey])
    .rpc();
  const [node] = PublicKey.findProgramAddressSync([Buffer.from("node"), nodeKey.publicKey.toBuffer()], staking.programId);

  const escrow = program("escrow", renter);
  const jobId = new BN(Date.now());
  const [job] = PublicKey.findProgramAddressSync([Buffer.from("job"), renter.publicKey.toBuffer(), jobId.toArrayLike(Buffer, "le", 8)], escrow.programId);
  // The program creates the job and the renter's ledger at these canonical addresses; the escrow
  // vault of the payment mint holds the deposit.
  const [renterLedger] = PublicKey.findProgramAddressSync([Buffer.from("renter"), renter.publicKey.toBuffer()], escrow.programId);
  const [escrowVault] = PublicKey.findProgramAddressSync([Buffer.from("escrow_vault"), usdcMint.toBuffer()], escrow.programId);

  // Listeners first: events through logsSubscribe, the job account through accountSubscribe.
  const events: Record<string, { slot: number; signature: string; job: string }> = {};
  const wanted = ["jobOpened", "jobStarted", "jobCompleted", "jobSettled"];
  const allEvents = new Promise<void>((resolve) => {
    for (const name of wanted) {
      escrow.addEventListener(name, (event: any, slot: number, signature: string) => {
        if (!event.job || !event.job.equals(job)) return;
        events[name] = { slot, signature, job: event.job.toBase58() };
        if (wanted.every((n) => n in events)) resolve();
      });
    }
  });
  const accountUpdates: { lamports: number; slot: number }[] = [];
  const closed = new Promise<number>((resolve) => {
    connection.onAccountChange(job, (account, context) => {
      accountUpdates.push({ lamports: account.lamports, slot: context.slot });
      if (account.lamports === 0) resolve(context.slot);
    }, { commitment: "confirmed" });
  });
  // programSubscribe with a filter: Job accounts only (their discriminator), this job's changes kept.
  const jobDiscriminator = idl("escrow").accounts.find((account: any) => account.name === "Job").discriminator;
  const programUpdates: number[] = [];
  connection.onProgramAccountChange(
    escrow.programId,
    (keyed, context) => {
      if (keyed.accountId.equals(job)) programUpdates.push(context.slot);
    },
    { commitment: "confirmed", filters: [{ memcmp: { offset: 0, bytes: utils.bytes.bs58.encode(Buffer.from(jobDiscriminator)) } }] },
  );
  const slotSeen = new Promise<number>((resolve) => {
    const id = connection.onSlotChange((info) => {
      void connection.removeSlotChangeListener(id);
      resolve(info.slot);
    });
  });
  // Let the subscriptions be acknowledged before anything can emit.
  await new Promise((resolve) => setTimeout(resolve, 500));

  const opened = await escrow.methods
    .openJob(jobId, HOURS_RESERVED, new BN(PRICE))
    .accounts({ renter: renter.publicKey, renterLedger, node, job, paymentMint: usdcMint, escrowVault, renterTokenAccount: renterToken })
    // The renter's first job: its job-id ledger is created in the same transaction.
    .preInstructions([await escrow.methods.openRenterLedger().accounts({ renter: renter.publicKey }).instruction()])
    .rpc();
  const decoded = await escrow.account.job.fetch(job);
  const nodeEscrow = program("escrow", nodeKey);
  const started = await nodeEscrow.methods.startJob().accounts({ nodeKey: nodeKey.publicKey, job }).rpc();
  await new Promise((resolve) => setTimeout(resolve, 1_100)); // the first hour begins a second after the start
  const completed = await nodeEscrow.methods.completeJob(HOURS_USED).accounts({ authority: nodeKey.publicKey, job }).rpc();

  // The keeper settles on its own.
  const closedSlot = await withTimeout(closed, 90_000, "the job account to close (accountSubscribe)");
  const slot = await withTimeout(slotSeen, 10_000, "a slot notification (slotSubscribe)");
  await withTimeout(allEvents, 30_000, `events ${wanted.filter((n) => !(n in events))}`);
  report({
    job: job.toBase58(),
    jobId: jobId.toString(),
    renter: renter.publicKey.toBase58(),
    renterToken: renterToken.toBase58(),
    operatorToken: operatorToken.toBase58(),
    node: node.toBase58(),
    tokenShareBps: TOKEN_SHARE_BPS,
    price: PRICE,
    hoursReserved: HOURS_RESERVED,
    hoursUsed: HOURS_USED,
    signatures: { registered, opened, started, completed },
    decodedJob: { hoursReserved: decoded.hoursReserved, pricePerHour: decoded.pricePerHour.toString() },
    events,
    closedSlot,
    accountUpdates,
    programUpdates,
    slot,
  });
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
