// Command-line arguments of backstage-oidc-proxy: flags and at most one positional (the token).
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Args {
  configs: string[];
  provider?: string;
  backend?: string;
  json: boolean;
  help: boolean;
  positional: string[];
}

/** Parses argv; `valued` are the flags with a value this command takes. Every command takes --json and --help. */
export function parseArgs(argv: string[], valued: string[]): Args {
  const args: Args = { configs: [], json: false, help: false, positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag === '--json' && eq < 0) args.json = true;
    else if ((flag === '--help' || flag === '-h') && eq < 0) args.help = true;
    else if (valued.includes(flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
      if (flag === '--config') args.configs.push(value);
      else if (flag === '--provider') args.provider = value;
      else if (flag === '--backend') args.backend = value;
    } else if (arg.startsWith('-') && arg !== '-') {
      // `-` is a token source (stdin), not a flag.
      throw new UsageError(`unknown option ${arg}`);
    } else args.positional.push(arg);
  }
  return args;
}
