/**
 * Happy's cryptography against independent implementations: the Happy app's own key-derivation
 * test vectors, libsodium (which the app uses) for the seed key pairs and box bundles, and the
 * CLI's link encoding.
 */
import { randomBytes } from 'node:crypto';
import sodium from 'libsodium-wrappers';
import nacl from 'tweetnacl';
import {
  authChallenge,
  boxKeyPairFromSeed,
  contentKeyPair,
  decryptLegacy,
  decryptWithDataKey,
  deriveKey,
  deriveKeyTreeChild,
  deriveKeyTreeRoot,
  encryptLegacy,
  encryptWithDataKey,
  openMachineDataKey,
  openTerminalBundle,
  pairingAnswer,
  sealForTerminal,
  verifyAuthChallenge,
} from '../../happy/crypto';
import { pairingLinks, publicKeyFromLink } from '../../happy/links';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
const seed = () => new Uint8Array(randomBytes(32));

beforeAll(() => sodium.ready);

describe('key derivation (the app’s deriveKey.appspec.ts vectors)', () => {
  const vector = {
    seed: new TextEncoder().encode('test seed'),
    usage: 'test usage',
    path: ['child1', 'child2'],
    rootKey: 'E6E55652456F9FE47D6FF46CA3614E85B499F77E7B340FBBB1553307CEDC1E74',
    rootChainCode: '81ECFD529E8EF95DD5C06CFE169158CF02B7C09A33746C527B4BD4D740B9CC5A',
    childKey: 'D5EAE039FB9143E9433BB1ADC104C2FF5D7FA6751E680B4B1CBC7ADF1AF65BF3',
    childChainCode: '8AA339189BAB38B51DD8770B1498682BCB03E42240E273041ACC7E3DF62FE868',
    finalKey: '1011C097D2105D27362B987A631496BBF68B836124D1D072E9D1613C6028CF75',
    finalChainCode: 'BE98EF894B1C62B8253B480DD415B6EB707028362F2FCECF2CB3871DB8B007F1',
  };

  it('derives the root, each child and the final key exactly as the app does', () => {
    const root = deriveKeyTreeRoot(vector.seed, vector.usage);
    expect(hex(root.key)).toBe(vector.rootKey);
    expect(hex(root.chainCode)).toBe(vector.rootChainCode);
    const child = deriveKeyTreeChild(root.chainCode, vector.path[0]);
    expect(hex(child.key)).toBe(vector.childKey);
    expect(hex(child.chainCode)).toBe(vector.childChainCode);
    const final = deriveKeyTreeChild(child.chainCode, vector.path[1]);
    expect(hex(final.key)).toBe(vector.finalKey);
    expect(hex(final.chainCode)).toBe(vector.finalChainCode);
    expect(hex(deriveKey(vector.seed, vector.usage, vector.path))).toBe(vector.finalKey);
  });

  it('gives different keys for another usage or a longer path', () => {
    const base = hex(deriveKey(vector.seed, vector.usage, vector.path));
    expect(hex(deriveKey(vector.seed, vector.usage + 'x', vector.path))).not.toBe(base);
    expect(hex(deriveKey(vector.seed, vector.usage, [...vector.path, 'more']))).not.toBe(base);
  });
});

describe('key pairs (libsodium, as the app calls it)', () => {
  it('a box key pair from a seed is libsodium’s crypto_box_seed_keypair (SHA-512 of the seed), not tweetnacl’s fromSecretKey', () => {
    for (let i = 0; i < 5; i++) {
      const s = seed();
      const ours = boxKeyPairFromSeed(s);
      const theirs = sodium.crypto_box_seed_keypair(s);
      expect(hex(ours.publicKey)).toBe(hex(theirs.publicKey));
      expect(hex(ours.secretKey)).toBe(hex(theirs.privateKey));
      expect(hex(ours.publicKey)).not.toBe(hex(nacl.box.keyPair.fromSecretKey(s).publicKey));
    }
  });

  it('the content key pair is the seed key pair of deriveKey(secret, "Happy EnCoder", ["content"])', () => {
    const secret = seed();
    const expected = sodium.crypto_box_seed_keypair(deriveKey(secret, 'Happy EnCoder', ['content']));
    expect(hex(contentKeyPair(secret).publicKey)).toBe(hex(expected.publicKey));
  });

  it('a V2 answer is 0x00 ‖ the content public key; a V1 answer is the master secret', () => {
    const secret = seed();
    const v2 = pairingAnswer(secret, 2);
    expect(v2).toHaveLength(33);
    expect(v2[0]).toBe(0);
    expect(hex(v2.subarray(1))).toBe(hex(contentKeyPair(secret).publicKey));
    expect(hex(pairingAnswer(secret, 1))).toBe(hex(secret));
  });

  it('the /v1/auth challenge is signed with libsodium’s crypto_sign_seed_keypair of the secret', () => {
    const secret = seed();
    const body = authChallenge(secret);
    expect(body.publicKey).toBe(Buffer.from(sodium.crypto_sign_seed_keypair(secret).publicKey).toString('base64'));
    const b = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
    expect(sodium.crypto_sign_verify_detached(b(body.signature), b(body.challenge), b(body.publicKey))).toBe(true);
    expect(verifyAuthChallenge(body)).toBe(true);
    const otherChallenge = Buffer.from(randomBytes(32)).toString('base64');
    expect(verifyAuthChallenge({ ...body, challenge: otherChallenge })).toBe(false);
    expect(verifyAuthChallenge({ ...body, signature: 'AAAA' })).toBe(false);
  });
});

describe('pairing bundles: ephemeralPublicKey(32) ‖ nonce(24) ‖ box', () => {
  it('what we seal, libsodium opens; what libsodium seals (the app’s encryptBox), we open', () => {
    const terminal = nacl.box.keyPair();
    const message = seed();
    const sealed = sealForTerminal(message, terminal.publicKey);
    expect(sealed).toHaveLength(32 + 24 + 16 + 32);
    const opened = sodium.crypto_box_open_easy(sealed.subarray(56), sealed.subarray(32, 56), sealed.subarray(0, 32), terminal.secretKey);
    expect(hex(opened)).toBe(hex(message));

    const ephemeral = sodium.crypto_box_keypair();
    const nonce = sodium.randombytes_buf(24);
    const box = sodium.crypto_box_easy(message, nonce, terminal.publicKey, ephemeral.privateKey);
    const appBundle = new Uint8Array([...ephemeral.publicKey, ...nonce, ...box]);
    expect(hex(openTerminalBundle(appBundle, terminal.secretKey)!)).toBe(hex(message));
  });

  it('a bundle for another key, a flipped byte or a short bundle does not open', () => {
    const terminal = nacl.box.keyPair();
    const sealed = sealForTerminal(seed(), terminal.publicKey);
    expect(openTerminalBundle(sealed, nacl.box.keyPair().secretKey)).toBeNull();
    const flipped = sealed.slice();
    flipped[70] ^= 1;
    expect(openTerminalBundle(flipped, terminal.secretKey)).toBeNull();
    expect(openTerminalBundle(sealed.subarray(0, 60), terminal.secretKey)).toBeNull();
  });
});

describe('machine records (the CLI’s encrypt / decrypt)', () => {
  it('dataKey (AES-256-GCM) and legacy (secretbox) round trip and refuse the wrong key', () => {
    const key = seed();
    const value = { status: 'running', pid: 42 };
    expect(decryptWithDataKey(encryptWithDataKey(value, key), key)).toEqual(value);
    expect(decryptWithDataKey(encryptWithDataKey(value, key), seed())).toBeNull();
    expect(decryptLegacy(encryptLegacy(value, key), key)).toEqual(value);
    expect(decryptLegacy(encryptLegacy(value, key), seed())).toBeNull();
  });

  it('a V2 machine’s data key, sealed for the content key as the CLI does, opens with the content key pair', () => {
    const secret = seed();
    const content = contentKeyPair(secret);
    const machineKey = seed();
    const dataEncryptionKey = new Uint8Array([0, ...sealForTerminal(machineKey, content.publicKey)]);
    expect(hex(openMachineDataKey(dataEncryptionKey, content)!)).toBe(hex(machineKey));
    expect(openMachineDataKey(dataEncryptionKey.subarray(1), content)).toBeNull();
  });
});

describe('pairing links', () => {
  const key = new Uint8Array(Array.from({ length: 32 }, (_, i) => i));
  const keyBase64 = Buffer.from(key).toString('base64');
  // The CLI's encodeBase64Url: base64 with + → -, / → _ and no padding.
  const cliBase64Url = Buffer.from(key).toString('base64').replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');

  it('are the CLI’s: happy://terminal?<base64url> and <webapp>/terminal/connect#key=<base64url>', () => {
    expect(pairingLinks(keyBase64)).toEqual({
      link: 'happy://terminal?AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
      webLink: 'https://app.happy.engineering/terminal/connect#key=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
    });
    expect(pairingLinks(keyBase64).link).toBe(`happy://terminal?${cliBase64Url}`);
    expect(pairingLinks(keyBase64, 'http://web.local/').webLink).toBe(`http://web.local/terminal/connect#key=${cliBase64Url}`);
  });

  it('give back the key from either link or the bare key, and refuse anything else', () => {
    const random = Buffer.from(randomBytes(32)).toString('base64');
    const { link, webLink } = pairingLinks(random);
    expect(publicKeyFromLink(link)).toBe(random);
    expect(publicKeyFromLink(webLink)).toBe(random);
    expect(publicKeyFromLink(random)).toBe(random);
    expect(publicKeyFromLink(link.slice('happy://terminal?'.length))).toBe(random);
    expect(() => publicKeyFromLink('happy://terminal?AAEC')).toThrow(/32 bytes/);
    expect(() => publicKeyFromLink('https://example.com/?q=1')).toThrow(/not a Happy pairing link/);
  });
});
