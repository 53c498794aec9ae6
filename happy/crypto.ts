/**
 * Happy's cryptography, as happy-coder 0.13.0 and the Happy app do it (docs/happy.md has the
 * byte layouts and where each fact was read). Used by the scripted phone and the relay; the
 * terminal side that runs inside a box is activities/box/happy-pairing.mjs.
 *
 * - A pairing response is `ephemeralPublicKey(32) ‖ nonce(24) ‖ nacl.box(...)` for the terminal's
 *   X25519 key (the app's `encryptBox`, the CLI's `decryptWithEphemeralKey`).
 * - Its plaintext is the account's 32-byte master secret (V1) or `0x00 ‖ contentPublicKey` (V2).
 * - The content key pair comes from the master secret through the app's HMAC-SHA512 key tree
 *   (usage "Happy EnCoder", path ["content"]) and libsodium's crypto_box_seed_keypair, which
 *   hashes the seed with SHA-512 before using its first 32 bytes as the X25519 secret.
 * - `/v1/auth` proves the account with an Ed25519 signature over 32 random bytes, the signing key
 *   being crypto_sign_seed_keypair(master secret).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';

export const PUBLIC_KEY_BYTES = nacl.box.publicKeyLength; // 32
const NONCE_BYTES = nacl.box.nonceLength; // 24

export interface BoxKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
/** Unpadded base64url, as the CLI's `encodeBase64Url` (and the pairing link) writes it. */
export const toBase64Url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
/** Standard or url-safe base64, padded or not (Node's decoder accepts both alphabets). */
export const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

/** The app's `encryptBox`: a fresh ephemeral key pair per message, its public half up front. */
export function sealForTerminal(plaintext: Uint8Array, terminalPublicKey: Uint8Array): Uint8Array {
  const ephemeral = nacl.box.keyPair();
  const nonce = new Uint8Array(randomBytes(NONCE_BYTES));
  const sealed = nacl.box(plaintext, nonce, terminalPublicKey, ephemeral.secretKey);
  return concat(ephemeral.publicKey, nonce, sealed);
}

/** The CLI's `decryptWithEphemeralKey`: null when the bundle was not sealed for this key. */
export function openTerminalBundle(bundle: Uint8Array, terminalSecretKey: Uint8Array): Uint8Array | null {
  if (bundle.length < PUBLIC_KEY_BYTES + NONCE_BYTES + nacl.box.overheadLength) return null;
  const ephemeralPublicKey = bundle.subarray(0, PUBLIC_KEY_BYTES);
  const nonce = bundle.subarray(PUBLIC_KEY_BYTES, PUBLIC_KEY_BYTES + NONCE_BYTES);
  return nacl.box.open(bundle.subarray(PUBLIC_KEY_BYTES + NONCE_BYTES), nonce, ephemeralPublicKey, terminalSecretKey);
}

export interface KeyTreeState {
  key: Uint8Array;
  chainCode: Uint8Array;
}

function hmacSha512(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha512', key).update(data).digest());
}

/** The app's `deriveSecretKeyTreeRoot`: HMAC-SHA512 keyed by "<usage> Master Seed" over the seed. */
export function deriveKeyTreeRoot(seed: Uint8Array, usage: string): KeyTreeState {
  const i = hmacSha512(Buffer.from(`${usage} Master Seed`, 'utf8'), seed);
  return { key: i.slice(0, 32), chainCode: i.slice(32) };
}

/** The app's `deriveSecretKeyTreeChild`: HMAC-SHA512 keyed by the chain code over `0x00 ‖ index`. */
export function deriveKeyTreeChild(chainCode: Uint8Array, index: string): KeyTreeState {
  const i = hmacSha512(chainCode, concat(new Uint8Array([0]), Buffer.from(index, 'utf8')));
  return { key: i.slice(0, 32), chainCode: i.slice(32) };
}

export function deriveKey(master: Uint8Array, usage: string, path: string[]): Uint8Array {
  let state = deriveKeyTreeRoot(master, usage);
  for (const index of path) state = deriveKeyTreeChild(state.chainCode, index);
  return state.key;
}

/** libsodium's crypto_box_seed_keypair: the X25519 secret is SHA-512(seed)[0..32]. */
export function boxKeyPairFromSeed(seed: Uint8Array): BoxKeyPair {
  const secretKey = new Uint8Array(createHash('sha512').update(seed).digest()).slice(0, 32);
  return nacl.box.keyPair.fromSecretKey(secretKey);
}

/** The account's content key pair (the app's `Encryption.create`); V2 hands terminals its public half. */
export function contentKeyPair(masterSecret: Uint8Array): BoxKeyPair {
  return boxKeyPairFromSeed(deriveKey(masterSecret, 'Happy EnCoder', ['content']));
}

export type PairingVersion = 1 | 2;

/** What the app seals for the terminal: V1 the master secret itself, V2 `0x00 ‖ contentPublicKey`. */
export function pairingAnswer(masterSecret: Uint8Array, version: PairingVersion): Uint8Array {
  if (version === 1) return masterSecret;
  return concat(new Uint8Array([0]), contentKeyPair(masterSecret).publicKey);
}

/** The body of `POST /v1/auth`: an Ed25519 signature over 32 random bytes, base64. */
export function authChallenge(masterSecret: Uint8Array): { publicKey: string; challenge: string; signature: string } {
  const signing = nacl.sign.keyPair.fromSeed(masterSecret);
  const challenge = new Uint8Array(randomBytes(32));
  const signature = nacl.sign.detached(challenge, signing.secretKey);
  return { publicKey: toBase64(signing.publicKey), challenge: toBase64(challenge), signature: toBase64(signature) };
}

/** The relay's check of that body (tweetnacl's detached verify), false on any malformed part. */
export function verifyAuthChallenge(body: { publicKey: string; challenge: string; signature: string }): boolean {
  const publicKey = fromBase64(body.publicKey);
  const signature = fromBase64(body.signature);
  if (publicKey.length !== nacl.sign.publicKeyLength || signature.length !== nacl.sign.signatureLength) return false;
  return nacl.sign.detached.verify(fromBase64(body.challenge), signature, publicKey);
}

/**
 * Machine and session records the CLI uploads are encrypted end to end; the relay never reads
 * them. V2 ("dataKey"): `0x00 ‖ nonce(12) ‖ AES-256-GCM ciphertext ‖ tag(16)` of the JSON, under
 * a key the terminal chose (the machine key) and sent sealed for the content key as
 * `0x00 ‖ sealForTerminal(machineKey, contentPublicKey)`. V1 ("legacy"): `nonce(24) ‖
 * nacl.secretbox(JSON)` under the master secret.
 */
export function encryptWithDataKey(value: unknown, dataKey: Uint8Array): Uint8Array {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, nonce);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return concat(new Uint8Array([0]), nonce, body, cipher.getAuthTag());
}

export function decryptWithDataKey(bundle: Uint8Array, dataKey: Uint8Array): unknown {
  if (bundle.length < 1 + 12 + 16 || bundle[0] !== 0) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, bundle.subarray(1, 13));
    decipher.setAuthTag(bundle.subarray(bundle.length - 16));
    const plain = Buffer.concat([decipher.update(bundle.subarray(13, bundle.length - 16)), decipher.final()]);
    return JSON.parse(plain.toString('utf8'));
  } catch {
    return null;
  }
}

export function encryptLegacy(value: unknown, secret: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(randomBytes(nacl.secretbox.nonceLength));
  return concat(nonce, nacl.secretbox(Buffer.from(JSON.stringify(value), 'utf8'), nonce, secret));
}

export function decryptLegacy(bundle: Uint8Array, secret: Uint8Array): unknown {
  const n = nacl.secretbox.nonceLength;
  const plain = nacl.secretbox.open(bundle.subarray(n), bundle.subarray(0, n), secret);
  return plain ? JSON.parse(Buffer.from(plain).toString('utf8')) : null;
}

/** A machine's data key as the app recovers it from the record's `dataEncryptionKey`. */
export function openMachineDataKey(dataEncryptionKey: Uint8Array, content: BoxKeyPair): Uint8Array | null {
  if (dataEncryptionKey[0] !== 0) return null;
  return openTerminalBundle(dataEncryptionKey.subarray(1), content.secretKey);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
