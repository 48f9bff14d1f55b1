// What both TypeScript wallets share: the localnet's manifest and keys, and the SPL Token
// instructions they need (written out, so no package beyond the ones under test is involved).
import fs from "node:fs";

export function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

export const RPC_URL = env("RPC_URL");
export const STATE_DIR = env("STATE_DIR");
export const IDL_DIR = env("IDL_DIR");
export const manifest = JSON.parse(fs.readFileSync(`${STATE_DIR}/localnet.json`, "utf8"));

export function secretKey(path: string): Uint8Array {
  return Uint8Array.from(JSON.parse(fs.readFileSync(path, "utf8")));
}

export function idl(name: string): any {
  return JSON.parse(fs.readFileSync(`${IDL_DIR}/${name}.json`, "utf8"));
}

export const TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
export const ATA_PROGRAM = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL";

export function u64(value: bigint | number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
  return bytes;
}

export function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function discriminator(program: any, instruction: string): Uint8Array {
  const found = program.instructions.find((ix: any) => ix.name === instruction);
  if (!found) throw new Error(`no instruction ${instruction}`);
  return Uint8Array.from(found.discriminator);
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)),
  ]);
}

export function report(result: unknown): void {
  // One JSON line on stdout: what the pytest side checks against the chain.
  process.stdout.write(JSON.stringify(result) + "\n");
}
