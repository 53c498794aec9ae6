/**
 * The scripted phone: a Happy account that approves terminal pairings exactly as the Happy app
 * does (useConnectTerminal → authApprove): sign in with an Ed25519 challenge (`POST /v1/auth`),
 * ask `GET /v1/auth/request/status`, and only when it is pending seal the answer for the terminal
 * key — `0x00 ‖ contentPublicKey` when the terminal supports V2, the master secret otherwise —
 * and `POST /v1/auth/response`. It can also read its machines back and decrypt what their
 * daemons reported, as the app's machine list does.
 *
 * From a command line (the local-mode demo):
 *
 *   npx tsx happy/phone.ts approve '<happy://terminal?… or web link>' --server URL [--v1] [--seed BASE64]
 *   npx tsx happy/phone.ts machines --server URL --seed BASE64
 *
 * Without --seed a new account is made and its seed printed (keep it to act as the same account).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  authChallenge,
  BoxKeyPair,
  contentKeyPair,
  decryptLegacy,
  decryptWithDataKey,
  fromBase64,
  openMachineDataKey,
  pairingAnswer,
  PairingVersion,
  sealForTerminal,
  toBase64,
} from './crypto';
import { publicKeyFromLink } from './links';

/** How an approval went, in the app's terms: it does nothing unless the request is pending. */
export type ApprovalOutcome = 'approved' | 'already-authorized' | 'not-found';

export interface PhoneMachine {
  id: string;
  active: boolean;
  activeAt: number;
  /** Decrypted with the machine's key (V2) or the master secret (V1); null if it would not open. */
  metadata: unknown;
  daemonState: unknown;
}

export class HappyPhone {
  private token?: string;
  readonly content: BoxKeyPair;

  /** `seed` is the account's 32-byte master secret (what the app keeps as its secret key). */
  constructor(
    readonly serverUrl: string,
    readonly seed: Uint8Array = new Uint8Array(randomBytes(32)),
  ) {
    if (seed.length !== 32) throw new Error('a Happy account seed is 32 bytes');
    this.content = contentKeyPair(seed);
  }

  /** Signs in (once) and returns the account's bearer token. */
  async signIn(): Promise<string> {
    if (!this.token) {
      const body = await this.call<{ token: string }>('POST', '/v1/auth', authChallenge(this.seed));
      this.token = body.token;
    }
    return this.token;
  }

  /**
   * Approves a pairing link (or bare key). `version` forces the answer's form; by default it is
   * V2 when the terminal said it supports it, as the app decides.
   */
  async approve(linkOrKey: string, opts: { version?: PairingVersion } = {}): Promise<{ outcome: ApprovalOutcome; version?: PairingVersion }> {
    const publicKey = publicKeyFromLink(linkOrKey);
    const token = await this.signIn();
    const status = await this.call<{ status: 'not_found' | 'pending' | 'authorized'; supportsV2: boolean }>(
      'GET',
      `/v1/auth/request/status?publicKey=${encodeURIComponent(publicKey)}`,
    );
    if (status.status === 'not_found') return { outcome: 'not-found' };
    if (status.status === 'authorized') return { outcome: 'already-authorized' };
    const version: PairingVersion = opts.version ?? (status.supportsV2 ? 2 : 1);
    const sealed = sealForTerminal(pairingAnswer(this.seed, version), fromBase64(publicKey));
    await this.respond(publicKey, toBase64(sealed), token);
    return { outcome: 'approved', version };
  }

  /** Posts an arbitrary answer for a terminal key, with no status check: for wrong and replayed answers. */
  async respond(publicKey: string, responseBase64: string, token?: string): Promise<void> {
    await this.call('POST', '/v1/auth/response', { publicKey, response: responseBase64 }, token ?? (await this.signIn()));
  }

  /** The account's machines with what their daemons reported, decrypted as the app does. */
  async machines(): Promise<PhoneMachine[]> {
    const list = await this.call<
      Array<{ id: string; active: boolean; activeAt: number; metadata: string; daemonState: string | null; dataEncryptionKey: string | null }>
    >('GET', '/v1/machines', undefined, await this.signIn());
    return list.map((m) => {
      const open = this.opener(m.dataEncryptionKey);
      return {
        id: m.id,
        active: m.active,
        activeAt: m.activeAt,
        metadata: open(m.metadata),
        daemonState: m.daemonState ? open(m.daemonState) : null,
      };
    });
  }

  /** V2 machines carry their data key sealed for the content key; V1 ones use the master secret. */
  private opener(dataEncryptionKey: string | null): (value: string) => unknown {
    if (!dataEncryptionKey) return (value) => decryptLegacy(fromBase64(value), this.seed);
    const key = openMachineDataKey(fromBase64(dataEncryptionKey), this.content);
    return (value) => (key ? decryptWithDataKey(fromBase64(value), key) : null);
  }

  private async call<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const res = await fetch(this.serverUrl.replace(/\/+$/, '') + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // The relay's bodies name no secret; the request (which may carry a token) is not echoed.
    if (!res.ok) throw new Error(`Happy relay ${method} ${path.split('?')[0]}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { server: { type: 'string' }, seed: { type: 'string' }, v1: { type: 'boolean', default: false } },
  });
  const [command, link] = positionals;
  const server = values.server ?? process.env.HAPPY_SERVER_URL;
  if (!server || (command !== 'approve' && command !== 'machines') || (command === 'approve' && !link)) {
    process.stderr.write('usage: phone.ts approve <link> --server URL [--v1] [--seed BASE64] | phone.ts machines --server URL --seed BASE64\n');
    process.exit(2);
  }
  const phone = new HappyPhone(server, values.seed ? fromBase64(values.seed) : undefined);
  if (!values.seed) process.stdout.write(`account seed (keep it to act as this account again): ${toBase64(phone.seed)}\n`);
  if (command === 'machines') {
    process.stdout.write(JSON.stringify(await phone.machines(), null, 2) + '\n');
    return;
  }
  const result = await phone.approve(link, { version: values.v1 ? 1 : undefined });
  process.stdout.write(`${result.outcome}${result.version ? ` (V${result.version})` : ''}\n`);
  if (result.outcome !== 'approved') process.exitCode = 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
