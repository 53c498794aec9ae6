/**
 * Request and response shapes (seed appendix B). The zod schema is the type and the source of
 * the OpenAPI document.
 */
import { z } from 'zod';
import { PROVIDER_TYPES } from '../providers/types';
import { HAPPY_PAIRING_STATES, VIBEBOX_STATUSES } from '../workflows/definitions';
import { PLAN_IDS } from '../workflows/plans';

export const CreateVibeBoxRequest = z
  .object({
    planId: z.enum(PLAN_IDS).describe('Subscription plan: sets CPU, memory and disk'),
    providerType: z.enum(PROVIDER_TYPES).optional().describe('Provider to use; automatic selection when absent'),
    region: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only').optional(),
  })
  .strict()
  .meta({ id: 'CreateVibeBoxRequest' });
export type CreateVibeBoxRequest = z.infer<typeof CreateVibeBoxRequest>;

export const VibeBoxIdParams = z.object({ id: z.string().regex(/^vb-[a-z0-9]{10}$/, 'not a VibeBox id') });

const Status = z.enum(VIBEBOX_STATUSES);

export const VibeBox = z
  .object({
    id: z.string(),
    status: Status,
    planId: z.string(),
    providerType: z.string().nullable().describe('Where the box landed (null until placed)'),
    region: z.string().nullable(),
    resourceId: z.string().nullable(),
    ipAddress: z.string().nullable(),
    sshPort: z.number().int().nullable(),
    sshUser: z.string().nullable(),
    sshHostKeyFingerprint: z.string().nullable().describe('The box\'s SSH host key (SHA256:…), to check on first login'),
    lastError: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.string().describe('ISO 8601'),
    updatedAt: z.string().describe('ISO 8601'),
  })
  .meta({ id: 'VibeBox' });
export type VibeBox = z.infer<typeof VibeBox>;

export const CreatedVibeBox = VibeBox.extend({
  sshPassword: z.string().describe('The login password. Shown in this response only, never again.'),
}).meta({ id: 'CreatedVibeBox' });

export const VibeBoxList = z.object({ items: z.array(VibeBox) }).meta({ id: 'VibeBoxList' });

export const ActionResult = z
  .object({ success: z.literal(true), message: z.string(), status: Status })
  .meta({ id: 'ActionResult' });

const isoTime = (what: string) => z.string().nullable().describe(`${what} (ISO 8601; null: not yet, or not any more)`);

export const HappyStatus = z
  .object({
    state: z
      .enum(HAPPY_PAIRING_STATES)
      .describe('unpaired; waiting for the phone to approve the link; paired; expired (the link lapsed unanswered) or refused (the answer did not open with the box’s key): ask again'),
    link: z.string().nullable().describe('While waiting: happy://terminal?… for the Happy app (what the QR code holds)'),
    webLink: z.string().nullable().describe('While waiting: the same request as a link to the Happy web app'),
    requestedAt: isoTime('When this pairing request was first made'),
    expiresAt: isoTime('When the link lapses (waiting) or lapsed (expired)'),
    pairedAt: isoTime('When the box was paired'),
    machineId: z.string().nullable().describe("happy-coder's id for this box at the Happy relay"),
    daemonRunning: z.boolean().nullable().describe('Whether the Happy daemon ran and had reached the relay at checkedAt (null: never checked)'),
    checkedAt: isoTime('When the daemon was last checked'),
    lastError: z.string().nullable().describe('Why the last request did not end paired'),
  })
  .meta({ id: 'HappyStatus' });
export type HappyStatus = z.infer<typeof HappyStatus>;

export const HappyPairing = HappyStatus.extend({
  qr: z
    .object({
      svg: z.string().describe('SVG markup'),
      png: z.string().describe('data:image/png;base64,…'),
    })
    .nullable()
    .describe('While waiting: the link as a QR code, to scan with the Happy app'),
}).meta({ id: 'HappyPairing' });
export type HappyPairing = z.infer<typeof HappyPairing>;

/** POST …/happy/pairing takes no fields. */
export const HappyPairingRequest = z.object({}).strict();

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });
