/** The user CLI's parsing: its command line, Server-Sent Event blocks, and HTTP statuses → exit codes. */
import { parseArgs } from '../../cli/args';
import { CliError, EXIT, exitCodeForStatus } from '../../cli/exitCodes';
import { parseEventBlock } from '../../cli/http';

describe('command line', () => {
  const spec = { valued: ['plan', 'timeout'], switches: ['wait', 'json'] };

  it('splits positionals, valued flags (both spellings), switches and what follows --', () => {
    expect(parseArgs(['vb-1', '--plan', 'pro', '--timeout=30', '--wait', '--', 'ls', '--wait'], spec)).toEqual({
      positionals: ['vb-1'],
      flags: { plan: 'pro', timeout: '30', wait: true },
      rest: ['ls', '--wait'],
    });
  });

  it('refuses an unknown flag and a flag without its value, as usage errors', () => {
    const usage = (argv: string[]) => {
      try {
        parseArgs(argv, spec);
      } catch (err) {
        return [(err as CliError).exitCode, (err as Error).message];
      }
      return 'accepted';
    };
    expect(usage(['--plna', 'pro'])).toEqual([EXIT.usage, 'unknown option --plna']);
    expect(usage(['--plan'])).toEqual([EXIT.usage, '--plan needs a value']);
    expect(usage(['--plan', '--wait'])).toEqual([EXIT.usage, '--plan needs a value']);
    expect(usage(['--wait=yes'])).toEqual([EXIT.usage, 'unknown option --wait']);
  });
});

describe('event stream blocks', () => {
  it('reads the event name and JSON data', () => {
    expect(parseEventBlock('event: box\ndata: {"id":"vb-1","status":"active"}')).toEqual({ event: 'box', data: { id: 'vb-1', status: 'active' } });
  });
  it('joins multi-line data and keeps non-JSON as text; CRLF line ends are fine', () => {
    expect(parseEventBlock('event: note\r\ndata: two\r\ndata: lines')).toEqual({ event: 'note', data: 'two\nlines' });
  });
  it('skips keep-alive comments and blocks with no data', () => {
    expect(parseEventBlock(': keep-alive')).toBeUndefined();
    expect(parseEventBlock('event: box')).toBeUndefined();
  });
});

it('maps API statuses to the documented exit codes', () => {
  expect([401, 404, 400, 409, 429, 500, 503, 418].map(exitCodeForStatus)).toEqual([
    EXIT.auth,
    EXIT.notFound,
    EXIT.refused,
    EXIT.refused,
    EXIT.refused,
    EXIT.unavailable,
    EXIT.unavailable,
    EXIT.failure,
  ]);
});
