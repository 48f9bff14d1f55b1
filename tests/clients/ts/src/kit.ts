// The same job with @solana/kit: airdrop, open (renter), start and complete (node key) sent with
// sendAndConfirmTransactionFactory (signatureNotifications + slotNotifications on the PubSub
// port), no retries; the keeper settles and an accountNotifications subscription sees the job close.
import {
  AccountRole,
  address,
  airdropFactory,
  appendTransactionMessageInstructions,
  createKeyPairSignerFromBytes,
  createSolanaRpc,
  createSolanaRpcSubscriptions,
  createTransactionMessage,
  generateKeyPairSigner,
  getAddressEncoder,
  getProgramDerivedAddress,
  getSignatureFromTransaction,
  lamports,
  pipe,
  sendAndConfirmTransactionFactory,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
} from "@solana/kit";

import { ATA_PROGRAM, RPC_URL, STATE_DIR, TOKEN_PROGRAM, concat, discriminator, env, idl, manifest, report, secretKey, u32, u64, withTimeout } from "./common.js";

const PRICE = 3_000_000n;
const HOURS_RESERVED = 4;
const HOURS_USED = 1;
const TOKEN_SHARE_BPS = 500;
const SYSTEM_PROGRAM = address("11111111111111111111111111111111");

const rpc = createSolanaRpc(RPC_URL);
const rpcSubscriptions = createSolanaRpcSubscriptions(env("WS_URL"));
const sendAndConfirm = sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions });
const airdrop = airdropFactory({ rpc, rpcSubscriptions });
const escrowIdl = idl("escrow");
const stakingIdl = idl("staking");
const escrowProgram = address(escrowIdl.address);
const stakingProgram = address(stakingIdl.address);
const usdcMint = address(manifest.addresses.usdc_mint);
const encoder = getAddressEncoder();

type Signer = Awaited<ReturnType<typeof generateKeyPairSigner>>;

async function send(feePayer: Signer, instructions: any[]): Promise<string> {
  const { value: latestBlockhash } = await rpc.getLatestBlockhash({ commitment: "confirmed" }).send();
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(feePayer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(latestBlockhash, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  const signed = await signTransactionMessageWithSigners(message);
  await sendAndConfirm(signed as any, { commitment: "confirmed" });
  return getSignatureFromTransaction(signed);
}

async function funded(): Promise<Signer> {
  const signer = await generateKeyPairSigner();
  await airdrop({ recipientAddress: signer.address, lamports: lamports(10_000_000_000n), commitment: "confirmed" });
  return signer;
}

async function ata(owner: string): Promise<string> {
  const [account] = await getProgramDerivedAddress({
    programAddress: address(ATA_PROGRAM),
    seeds: [encoder.encode(address(owner)), encoder.encode(address(TOKEN_PROGRAM)), encoder.encode(usdcMint)],
  });
  return account;
}

function writableSigner(signer: Signer) {
  return { address: signer.address, role: AccountRole.WRITABLE_SIGNER, signer };
}

function readonlySigner(signer: Signer) {
  return { address: signer.address, role: AccountRole.READONLY_SIGNER, signer };
}

function writable(account: string) {
  return { address: address(account), role: AccountRole.WRITABLE };
}

function readonly(account: string) {
  return { address: address(account), role: AccountRole.READONLY };
}

function createAta(payer: Signer, owner: string, account: string) {
  return {
    programAddress: address(ATA_PROGRAM),
    accounts: [writableSigner(payer), writable(account), readonly(owner), readonly(usdcMint), readonly(SYSTEM_PROGRAM), readonly(TOKEN_PROGRAM)],
    data: Uint8Array.from([1]),
  };
}

function borshString(value: string): Uint8Array {
  const bytes = new TextEncoder().encode(value);
  return concat(u32(bytes.length), bytes);
}

function u16(value: number): Uint8Array {
  return Uint8Array.from([value & 0xff, value >> 8]);
}

async function main(): Promise<void> {
  const mintAuthority = await createKeyPairSignerFromBytes(secretKey(`${STATE_DIR}/keys/usdc_mint_authority.json`));
  const renter = await funded();
  const operator = await funded();
  const nodeKey = await funded();
  const renterToken = await ata(renter.address);
  const operatorToken = await ata(operator.address);
  const mintTo = {
    programAddress: address(TOKEN_PROGRAM),
    accounts: [writable(usdcMint), writable(renterToken), readonlySigner(mintAuthority)],
    data: concat(Uint8Array.from([7]), u64(50_000_000n)),
  };
  await send(renter, [createAta(renter, renter.address, renterToken), createAta(renter, operator.address, operatorToken), mintTo]);

  const [node] = await getProgramDerivedAddress({ programAddress: stakingProgram, seeds: ["node", encoder.encode(nodeKey.address)] });
  await send(operator, [
    {
      programAddress: stakingProgram,
      accounts: [writableSigner(operator), readonlySigner(nodeKey), writable(node), readonly(SYSTEM_PROGRAM)],
      data: concat(discriminator(stakingIdl, "register_node"), borshString("A100"), Uint8Array.from([2]), u16(200), u16(TOKEN_SHARE_BPS)),
    },
  ]);

  const jobId = BigInt(Date.now()) * 10n + 7n;
  const [job] = await getProgramDerivedAddress({ programAddress: escrowProgram, seeds: ["job", encoder.encode(renter.address), u64(jobId)] });
  const [escrowVault] = await getProgramDerivedAddress({ programAddress: escrowProgram, seeds: ["escrow_vault", encoder.encode(usdcMint)] });
  const [renterLedger] = await getProgramDerivedAddress({ programAddress: escrowProgram, seeds: ["renter", encoder.encode(renter.address)] });
  const config = address(escrowIdl.instructions.find((ix: any) => ix.name === "open_job").accounts.find((a: any) => a.name === "config").address);

  // Watch the job account before it exists; it closes when the keeper settles.
  const abort = new AbortController();
  const notifications = await rpcSubscriptions.accountNotifications(job, { commitment: "confirmed", encoding: "base64" }).subscribe({ abortSignal: abort.signal });
  const updates: { lamports: string; slot: string }[] = [];
  const closed = (async () => {
    for await (const notification of notifications) {
      updates.push({ lamports: notification.value.lamports.toString(), slot: notification.context.slot.toString() });
      if (notification.value.lamports === 0n) return notification.context.slot;
    }
    throw new Error("account notifications ended");
  })();

  const opened = await send(renter, [
    // The renter's first job: its job-id ledger is created in the same transaction.
    {
      programAddress: escrowProgram,
      accounts: [writableSigner(renter), writable(renterLedger), readonly(SYSTEM_PROGRAM)],
      data: discriminator(escrowIdl, "open_renter_ledger"),
    },
    {
      programAddress: escrowProgram,
      accounts: [
        writableSigner(renter), writable(renterLedger), readonly(config), readonly(node), writable(job), readonly(usdcMint), writable(escrowVault),
        writable(renterToken), readonly(TOKEN_PROGRAM), readonly(SYSTEM_PROGRAM),
      ],
      data: concat(discriminator(escrowIdl, "open_job"), u64(jobId), u32(HOURS_RESERVED), u64(PRICE)),
    },
  ]);
  const started = await send(nodeKey, [
    { programAddress: escrowProgram, accounts: [readonlySigner(nodeKey), writable(job)], data: discriminator(escrowIdl, "start_job") },
  ]);
  await new Promise((resolve) => setTimeout(resolve, 1_100)); // the first hour begins a second after the start
  const completed = await send(nodeKey, [
    {
      programAddress: escrowProgram,
      accounts: [readonlySigner(nodeKey), readonly(config), writable(job)],
      data: concat(discriminator(escrowIdl, "complete_job"), u32(HOURS_USED)),
    },
  ]);
  const closedSlot = await withTimeout(closed, 90_000, "the job account to close (accountNotifications)");
  abort.abort();
  report({
    job,
    renterToken,
    operatorToken,
    price: Number(PRICE),
    hoursReserved: HOURS_RESERVED,
    hoursUsed: HOURS_USED,
    tokenShareBps: TOKEN_SHARE_BPS,
    signatures: { opened, started, completed },
    closedSlot: closedSlot.toString(),
    updates,
  });
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
