/** The OpenAPI 3.1 document, generated from the zod schemas in api/schemas.ts. */
import { z } from 'zod';
import { PLANS } from '../workflows/plans';
import { policies } from '../workflows/policies';
import { ActionResult, CreatedVibeBox, CreateVibeBoxRequest, ErrorBody, HappyPairing, HappyStatus, VibeBox, VibeBoxList } from './schemas';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string) => ({ content: { 'application/json': { schema: ref(id) } } });
const error = (description: string) => ({ description, ...json('Error') });
const retryAfter = { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } } };
/** A refusal worth retrying later: the Error body and a Retry-After header. */
const retryLater = (description: string) => ({ ...error(description), headers: retryAfter });
const unavailable = retryLater('A dependency (Postgres or Temporal) is unavailable; nothing was changed unless the message says otherwise');
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^vb-[a-z0-9]{10}$' } };
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes the create safe to repeat: the same key with the same body returns the box the first request made (200, ' +
    `without its password); with another body it is a 422. Keys are per user and remembered for ${policies.admission.idempotencyKeyTtl / 3_600_000} h.`,
  schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
};
const common = { '401': error('Missing or invalid bearer token'), '404': error('No such VibeBox (or not yours)'), '503': unavailable };

function action(name: string, summary: string) {
  return {
    post: {
      operationId: `${name}VibeBox`,
      summary,
      parameters: [idParam],
      responses: {
        '202': { description: 'Accepted; the work continues in the VibeBox workflow', ...json('ActionResult') },
        '409': error('Not allowed in the current status (the reason is in the message)'),
        ...common,
      },
    },
  };
}

/** A Happy pairing step: it runs in the box, so besides the usual answers the box may not answer. */
function happyStep(operationId: string, summary: string, result: string) {
  return {
    operationId,
    summary,
    parameters: [idParam],
    responses: {
      '202': { description: 'Accepted; the pairing as it stands after the step in the box', ...json(result) },
      '400': error('Invalid request (the id, or a body with fields)'),
      '409': error('Not allowed now: the VibeBox is not active, or already paired (the reason is in the message)'),
      '502': error('The step in the box failed: the box or the Happy relay did not answer'),
      ...common,
    },
  };
}

const happyPaths = {
  '/api/vibeboxes/{id}/happy': {
    get: {
      operationId: 'getHappy',
      summary: 'The VibeBox’s Happy pairing: unpaired / waiting (with the link) / paired (with the daemon as last checked) / expired / refused, with times',
      parameters: [idParam],
      responses: { '200': { description: 'OK', ...json('HappyStatus') }, '400': error('Invalid id'), ...common },
    },
  },
  '/api/vibeboxes/{id}/happy/pairing': {
    post: happyStep(
      'pairHappy',
      'Start (or renew) pairing Happy with a phone: returns the link and its QR code. Approve it in the Happy app; poll GET …/happy until paired. A renewal while the link is valid keeps it and moves its expiry; after expiry or a refusal a new link is made.',
      'HappyPairing',
    ),
    delete: happyStep('unpairHappy', 'Unpair Happy: stop the daemon, remove the credentials (and any pending request) from the box', 'HappyStatus'),
  },
};

export function buildOpenApiDocument(): Record<string, unknown> {
  // Every schema in api/schemas.ts carries a meta id; the registry export references them by id.
  void [CreateVibeBoxRequest, VibeBox, CreatedVibeBox, VibeBoxList, ActionResult, ErrorBody, HappyStatus, HappyPairing];
  const exported = z.toJSONSchema(z.globalRegistry, { unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` });
  const schemas = Object.fromEntries(
    Object.entries(exported.schemas).map(([id, { $schema: _drop, $id: _id, ...rest }]) => [id, rest]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'VibeBox API',
      version: '0.1.0',
      description: `Ready-to-code cloud dev servers. Plans: ${Object.entries(PLANS)
        .map(([id, p]) => `${id} = ${p.label}`)
        .join('; ')}.`,
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas },
    paths: {
      '/api/vibeboxes': {
        post: {
          operationId: 'createVibeBox',
          summary: 'Create a VibeBox (provisioning starts; follow it on /events or with GET until active)',
          parameters: [idempotencyKey],
          requestBody: { required: true, ...json('CreateVibeBoxRequest') },
          responses: {
            '202': { description: 'Accepted; the SSH password is in this response only', ...json('CreatedVibeBox') },
            '200': {
              description: 'A repeat of an earlier request with the same Idempotency-Key: the box it created, as it is now, never with its password',
              headers: { 'Idempotent-Replayed': { description: 'Always "true"', schema: { type: 'string' } } },
              ...json('VibeBox'),
            },
            '400': error('Invalid request, or a plan that the chosen provider cannot place (field-level details)'),
            '401': common['401'],
            '403': error(
              'Quota reached (code quota_exceeded): the user has as many live boxes of this plan, or in all, as allowed; or the plan may not pin ' +
                `a provider (code manual_placement_not_allowed: only ${policies.selection.manualPlans.join(' and ')} may)`,
            ),
            '409': retryLater('Idempotency-Key: its box has been deleted, or the first request with it is still in progress (code create_in_progress)'),
            '422': error('Idempotency-Key already used with a different request (code idempotency_key_reused)'),
            '429': retryLater('Too many creates (code rate_limited): the per-user create rate was exceeded'),
            '503': retryLater(
              'A dependency (Postgres or Temporal) is unavailable, or every place the request allows is unhealthy now (code placement_unavailable); nothing was created',
            ),
          },
        },
        get: { operationId: 'listVibeBoxes', summary: "The caller's VibeBoxes", responses: { '200': { description: 'OK', ...json('VibeBoxList') }, '401': common['401'], '503': unavailable } },
      },
      '/api/vibeboxes/{id}': {
        get: { operationId: 'getVibeBox', summary: 'One VibeBox', parameters: [idParam], responses: { '200': { description: 'OK', ...json('VibeBox') }, ...common } },
        delete: action('delete', 'Delete a VibeBox, also while it is provisioning (force-delete after the timeout)').post,
      },
      '/api/vibeboxes/{id}/events': {
        get: {
          operationId: 'streamVibeBoxEvents',
          summary: 'Live status of one VibeBox (Server-Sent Events)',
          description:
            'A text/event-stream. `event: box` carries the VibeBox (schema VibeBox) at once on connect and again each time its ' +
            'status, step or any other field changes; `event: deleted` (data: `{"id": …}`) says the box is gone and ends the ' +
            `stream. Lines starting with ':' are keep-alives (every ${policies.events.keepAliveEvery / 1000} s). At most ` +
            `${policies.events.maxStreamsPerUser} streams per user are open at once (per API process); more are refused with 429. ` +
            'The API ends streams when it stops: reconnect, and the first event is the current state again.',
          parameters: [idParam],
          responses: {
            '200': { description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            '429': error('Too many live status streams open for this user'),
            ...common,
          },
        },
      },
      '/api/vibeboxes/{id}/start': action('start', 'Start a stopped VibeBox'),
      '/api/vibeboxes/{id}/stop': action('stop', 'Stop a running VibeBox (force-stop after the timeout)'),
      '/api/vibeboxes/{id}/restart': action('restart', 'Restart a running VibeBox'),
      '/api/admin/providers': {
        get: {
          operationId: 'listProviderHealth',
          summary: `Admin: every enabled provider and region with its health (checked every ${policies.health.every / 60_000} min), last check, failures in a row and why`,
          responses: { '200': { description: 'OK' }, '401': common['401'], '403': error('Not an admin token (code forbidden)'), '503': unavailable },
        },
      },
      '/api/vibeboxes/{id}/retry': action('retry', 'Provision a VibeBox in error again (a healthy box is kept, a broken one replaced; the login password stays)'),
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics of this API process (text exposition format)',
          security: [],
          responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      '/healthz': {
        get: { operationId: 'liveness', summary: 'Liveness: the API process serves HTTP (checks no dependency)', security: [], responses: { '200': { description: 'Alive' } } },
      },
      '/readyz': {
        get: {
          operationId: 'readiness',
          summary: 'Readiness: Postgres and Temporal each answer within a short deadline',
          security: [],
          responses: { '200': { description: 'Ready; each check with its time' }, '503': { description: 'Not ready; the failing check says why', headers: retryAfter } },
        },
      },
      ...happyPaths,
    },
  };
}
