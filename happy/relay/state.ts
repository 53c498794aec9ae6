/**
 * What the Happy relay emulator remembers, shaped like happy-server's tables (Account,
 * TerminalAuthRequest, Machine): accounts by signing public key, terminal auth requests by the
 * terminal's box public key (hex, as the server keys them), machines by id. Optionally persisted
 * to a JSON file (0600: it holds the token signing key) so a restarted relay still honours the
 * tokens paired boxes hold.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface Account {
  id: string;
  /** Ed25519 signing public key, hex (the server's `publicKey` column). */
  publicKeyHex: string;
  createdAt: number;
  /** Per-account update sequence (the server's `allocateUserSeq`). */
  seq: number;
}

export interface TerminalAuthRequest {
  id: string;
  /** The terminal's X25519 public key, hex. */
  publicKeyHex: string;
  supportsV2: boolean;
  /** The sealed answer (base64) the first approving account posted; later answers are ignored. */
  response?: string;
  responseAccountId?: string;
  createdAt: number;
  updatedAt: number;
}

export interface Machine {
  id: string;
  accountId: string;
  metadata: string;
  metadataVersion: number;
  daemonState: string | null;
  daemonStateVersion: number;
  /** base64, as the CLI sent it. */
  dataEncryptionKey: string | null;
  active: boolean;
  lastActiveAt: number;
  createdAt: number;
  updatedAt: number;
}

interface Snapshot {
  tokenKey: string;
  accounts: Account[];
  authRequests: TerminalAuthRequest[];
  machines: Machine[];
}

/** happy-server's ids are cuids: 25 lower-case alphanumerics starting with 'c'. */
export function cuid(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return 'c' + Array.from(randomBytes(24), (b) => alphabet[b % alphabet.length]).join('');
}

export class RelayState {
  readonly accounts = new Map<string, Account>();
  /** By terminal public key hex. */
  readonly authRequests = new Map<string, TerminalAuthRequest>();
  readonly machines = new Map<string, Machine>();
  tokenKey: Buffer;

  constructor(private readonly file?: string) {
    this.tokenKey = randomBytes(32);
    if (file && fs.existsSync(file)) this.load(JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot);
  }

  accountByPublicKey(publicKeyHex: string): Account | undefined {
    for (const a of this.accounts.values()) if (a.publicKeyHex === publicKeyHex) return a;
    return undefined;
  }

  upsertAccount(publicKeyHex: string): Account {
    const existing = this.accountByPublicKey(publicKeyHex);
    if (existing) return existing;
    const account: Account = { id: cuid(), publicKeyHex, createdAt: Date.now(), seq: 0 };
    this.accounts.set(account.id, account);
    this.save();
    return account;
  }

  nextSeq(accountId: string): number {
    const account = this.accounts.get(accountId);
    if (!account) return 0;
    account.seq += 1;
    return account.seq;
  }

  /** The server's `upsert(where publicKey, update {}, create {...})`: the first supportsV2 sticks. */
  upsertAuthRequest(publicKeyHex: string, supportsV2: boolean): TerminalAuthRequest {
    const existing = this.authRequests.get(publicKeyHex);
    if (existing) return existing;
    const now = Date.now();
    const request: TerminalAuthRequest = { id: cuid(), publicKeyHex, supportsV2, createdAt: now, updatedAt: now };
    this.authRequests.set(publicKeyHex, request);
    this.save();
    return request;
  }

  answerAuthRequest(request: TerminalAuthRequest, response: string, accountId: string): void {
    request.response = response;
    request.responseAccountId = accountId;
    request.updatedAt = Date.now();
    this.save();
  }

  /** Drops requests (all, or the one for `publicKeyHex`); returns how many went. */
  dropAuthRequests(publicKeyHex?: string): number {
    const keys = publicKeyHex ? [publicKeyHex].filter((k) => this.authRequests.has(k)) : [...this.authRequests.keys()];
    for (const k of keys) this.authRequests.delete(k);
    if (keys.length) this.save();
    return keys.length;
  }

  putMachine(machine: Machine): void {
    this.machines.set(machine.id, machine);
    this.save();
  }

  deleteMachine(id: string): void {
    this.machines.delete(id);
    this.save();
  }

  reset(): void {
    this.accounts.clear();
    this.authRequests.clear();
    this.machines.clear();
    this.save();
  }

  /** Writes the snapshot atomically (tmp + rename), 0600. A no-op without a file. */
  save(): void {
    if (!this.file) return;
    const snapshot: Snapshot = {
      tokenKey: this.tokenKey.toString('base64'),
      accounts: [...this.accounts.values()],
      authRequests: [...this.authRequests.values()],
      machines: [...this.machines.values()],
    };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(snapshot), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  private load(snapshot: Snapshot): void {
    this.tokenKey = Buffer.from(snapshot.tokenKey, 'base64');
    for (const a of snapshot.accounts) this.accounts.set(a.id, a);
    for (const r of snapshot.authRequests) this.authRequests.set(r.publicKeyHex, r);
    for (const m of snapshot.machines) this.machines.set(m.id, m);
  }
}
