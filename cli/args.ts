/**
 * A small command-line parser for the user CLI: `vibebox <command> [positionals] [--flag value]
 * [--switch] [-- rest…]`. Flags are declared per command, so a typo is a usage error, not a
 * silently ignored option.
 */
import { CliError, EXIT } from './exitCodes';

export interface Parsed {
  positionals: string[];
  flags: Record<string, string | true>;
  /** Everything after `--` (the command `vibebox ssh <id> -- cmd…` runs). */
  rest: string[];
}

/** `valued`: flags that take a value; `switches`: flags that do not. */
export function parseArgs(argv: string[], spec: { valued?: readonly string[]; switches?: readonly string[] }): Parsed {
  const valued = new Set(spec.valued ?? []);
  const switches = new Set(spec.switches ?? []);
  const out: Parsed = { positionals: [], flags: {}, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      out.rest = argv.slice(i + 1);
      break;
    }
    if (!arg.startsWith('--')) {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (switches.has(name) && eq === -1) {
      out.flags[name] = true;
    } else if (valued.has(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || (eq === -1 && value.startsWith('--'))) throw new CliError(EXIT.usage, `--${name} needs a value`);
      out.flags[name] = value;
    } else {
      throw new CliError(EXIT.usage, `unknown option --${name}`);
    }
  }
  return out;
}

export function flagString(p: Parsed, name: string): string | undefined {
  const v = p.flags[name];
  return typeof v === 'string' ? v : undefined;
}
