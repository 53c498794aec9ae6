/** The OpenAPI 3.1 document, generated from the zod schemas in api/schemas.ts. */
import { z } from 'zod';
import { PLANS } from '../workflows/plans';
import { ActionResult, CreatedVibeBox, CreateVibeBoxRequest, ErrorBody, VibeBox, VibeBoxList } from './schemas';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string) => ({ content: { 'application/json': { schema: ref(id) } } });
const error = (description: string) => ({ description, ...json('Error') });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^vb-[a-z0-9]{10}$' } };
const common = { '401': error('Missing or invalid bearer token'), '404': error('No such VibeBox (or not yours)') };

function action(name: string, summary: string) {
  return {
    post: {
      operationId: `${name}VibeBox`,
      summary,
      parameters: [idParam],
      responses: {
        '202': { description: 'Accepted; the work continues in the VibeBox workflow', ...json('ActionResult') },
        '409': error('Not allowed in the current status (the reason is in the message)'),
        '503': error('The workflow service is unavailable'),
        ...common,
      },
    },
  };
}

export function buildOpenApiDocument(): Record<string, unknown> {
  // Every schema in api/schemas.ts carries a meta id; the registry export references them by id.
  void [CreateVibeBoxRequest, VibeBox, CreatedVibeBox, VibeBoxList, ActionResult, ErrorBody];
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
          summary: 'Create a VibeBox (provisioning starts; poll GET until active)',
          requestBody: { required: true, ...json('CreateVibeBoxRequest') },
          responses: {
            '202': { description: 'Accepted; the SSH password is in this response only', ...json('CreatedVibeBox') },
            '400': error('Invalid request (field-level details)'),
            '401': common['401'],
            '503': error('The workflow service is unavailable; nothing was created'),
          },
        },
        get: { operationId: 'listVibeBoxes', summary: "The caller's VibeBoxes", responses: { '200': { description: 'OK', ...json('VibeBoxList') }, '401': common['401'] } },
      },
      '/api/vibeboxes/{id}': {
        get: { operationId: 'getVibeBox', summary: 'One VibeBox', parameters: [idParam], responses: { '200': { description: 'OK', ...json('VibeBox') }, ...common } },
        delete: action('delete', 'Delete a VibeBox, also while it is provisioning (force-delete after the timeout)').post,
      },
      '/api/vibeboxes/{id}/start': action('start', 'Start a stopped VibeBox'),
      '/api/vibeboxes/{id}/stop': action('stop', 'Stop a running VibeBox (force-stop after the timeout)'),
      '/api/vibeboxes/{id}/restart': action('restart', 'Restart a running VibeBox'),
      '/api/vibeboxes/{id}/retry': action('retry', 'Provision a VibeBox in `error` again (a new machine; the login password stays)'),
    },
  };
}
