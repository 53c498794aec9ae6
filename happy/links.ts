/**
 * The pairing links happy-coder 0.13.0 shows a subscriber. Both carry only the terminal's public
 * key (unpadded base64url): the app link `happy://terminal?<key>` (what the QR code holds) and
 * the web link `${HAPPY_WEBAPP_URL}/terminal/connect#key=<key>`.
 */
import { fromBase64, PUBLIC_KEY_BYTES, toBase64, toBase64Url } from './crypto';

/** happy-coder's defaults when HAPPY_SERVER_URL / HAPPY_WEBAPP_URL are unset. */
export const DEFAULT_HAPPY_SERVER_URL = 'https://api.cluster-fluster.com';
export const DEFAULT_HAPPY_WEBAPP_URL = 'https://app.happy.engineering';

const APP_PREFIX = 'happy://terminal?';
const WEB_MARKER = '/terminal/connect#key=';

export interface PairingLinks {
  /** `happy://terminal?…`: what the Happy app scans or opens. */
  link: string;
  /** `${webapp}/terminal/connect#key=…`: the same request for the web app. */
  webLink: string;
}

/** Links for a terminal public key given as standard base64 (the relay's form). */
export function pairingLinks(publicKeyBase64: string, webappUrl: string = DEFAULT_HAPPY_WEBAPP_URL): PairingLinks {
  const key = toBase64Url(decodePublicKey(publicKeyBase64));
  return { link: APP_PREFIX + key, webLink: webappUrl.replace(/\/+$/, '') + WEB_MARKER + key };
}

/**
 * The terminal public key (standard base64) in either link form, or given bare (base64 or
 * base64url). Throws on anything that is not 32 bytes.
 */
export function publicKeyFromLink(linkOrKey: string): string {
  const text = linkOrKey.trim();
  let key = text;
  if (text.startsWith(APP_PREFIX)) key = text.slice(APP_PREFIX.length);
  else if (text.includes(WEB_MARKER)) key = text.slice(text.indexOf(WEB_MARKER) + WEB_MARKER.length);
  return toBase64(decodePublicKey(key));
}

function decodePublicKey(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) throw new Error('not a Happy pairing link or public key');
  const bytes = fromBase64(text);
  if (bytes.length !== PUBLIC_KEY_BYTES) throw new Error(`a Happy terminal key is ${PUBLIC_KEY_BYTES} bytes, this one ${bytes.length}`);
  return bytes;
}
