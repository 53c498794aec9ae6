/**
 * How the emulator authenticates an ECloud API call: BC-Signature V2.0 over the query string,
 * a known AccessKey, a fresh timestamp (providers/chinamobile/signature.ts does the arithmetic),
 * and a SignatureNonce never used before by that AccessKey. A failure is ECloud's 403 FORBIDDEN
 * envelope with its own code.
 *
 * What the signature covers, as on the real gateway: method, path and every query parameter
 * (the nonce and timestamp among them). The JSON body and the Region-Id header are not signed by
 * any ECloud client we know of, so the emulator cannot demand it; the nonce check makes a
 * replay with another body or region impossible (the nonce is signed, so it cannot be changed,
 * and it is accepted once). A request intercepted before it ever arrives could still be altered
 * there: only TLS protects body and region, on the real cloud as here.
 */
import { ReplayGuard } from '../../emulation';
import { ACCEPTANCE_WINDOW_MS, VerifyFailure, verifyRequest } from '../signature';
import { ECLOUD_ERROR_CODES as CODES, HTTP_STATUS } from '../wire';
import { EcloudWireError } from './errors';

const AUTH_CODES: Record<VerifyFailure, string> = {
  missingParameter: CODES.missingParameter,
  unknownAccessKey: CODES.invalidAccessKey,
  badSignature: CODES.signatureMismatch,
  staleTimestamp: CODES.requestExpired,
  unsupportedMethod: CODES.invalidParameter,
};

/** Nonces seen while their request could still be accepted. */
export function newNonceGuard(): ReplayGuard {
  return new ReplayGuard(ACCEPTANCE_WINDOW_MS);
}

/** The caller's AccessKey; throws the FORBIDDEN error the cloud would answer with. */
export function authenticate(method: string, url: URL, secretOf: (accessKey: string) => string | undefined, nonces: ReplayGuard): string {
  const verdict = verifyRequest({ method, path: url.pathname, params: Object.fromEntries(url.searchParams), secretOf });
  if (!verdict.ok) throw new EcloudWireError(HTTP_STATUS.auth, 'FORBIDDEN', AUTH_CODES[verdict.failure], verdict.message);
  if (nonces.use(`${verdict.accessKey}\u0000${verdict.nonce}`) !== undefined) {
    throw new EcloudWireError(HTTP_STATUS.auth, 'FORBIDDEN', CODES.nonceUsed, 'SignatureNonce was already used: a replayed request is refused');
  }
  return verdict.accessKey;
}
