/**
 * How the emulator authenticates an ECloud API call: BC-Signature V2.0 over the query string,
 * a known AccessKey, a fresh timestamp (providers/chinamobile/signature.ts does the arithmetic).
 * A failure is ECloud's 403 FORBIDDEN envelope with its own code.
 */
import { VerifyFailure, verifyRequest } from '../signature';
import { ECLOUD_ERROR_CODES as CODES, HTTP_STATUS } from '../wire';
import { EcloudWireError } from './errors';

const AUTH_CODES: Record<VerifyFailure, string> = {
  missingParameter: CODES.missingParameter,
  unknownAccessKey: CODES.invalidAccessKey,
  badSignature: CODES.signatureMismatch,
  staleTimestamp: CODES.requestExpired,
  unsupportedMethod: CODES.invalidParameter,
};

/** The caller's AccessKey; throws the FORBIDDEN error the cloud would answer with. */
export function authenticate(method: string, url: URL, secretOf: (accessKey: string) => string | undefined): string {
  const verdict = verifyRequest({ method, path: url.pathname, params: Object.fromEntries(url.searchParams), secretOf });
  if (!verdict.ok) throw new EcloudWireError(HTTP_STATUS.auth, 'FORBIDDEN', AUTH_CODES[verdict.failure], verdict.message);
  return verdict.accessKey;
}
