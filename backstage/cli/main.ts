#!/usr/bin/env node
// backstage-oidc-proxy: decode, check and doctor for the oidcProxy auth provider. Commands
// are loaded on use, so `decode` does not load Backstage's packages.
import { UsageError } from './args';

const COMMANDS: Record<string, () => { run(argv: string[]): Promise<number>; usage: string }> = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  decode: () => require('./decode'),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  check: () => require('./check'),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  doctor: () => require('./doctor'),
};

const USAGE = `usage: backstage-oidc-proxy <command> [options]
  decode [TOKEN|-]                     show a token's header and claims (no network)
  check --config FILE… [TOKEN|-]       would this token sign in? (--backend URL asks a running backend)
  doctor --config FILE…                check the configured issuer and the config
Options: --json for scripts; --help after a command for its options.
Exit codes: 0 ok, 1 refused or a check failed, 2 usage or config error.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name]() : undefined;
  if (!command) throw new UsageError(`unknown command ${name}`);
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  code => {
    process.exitCode = code;
  },
  (error: Error) => {
    const json = process.argv.includes('--json');
    const usage = error instanceof UsageError;
    // A config problem is what start-up would report: the message names the key.
    const config = error?.name === 'ConfigProblem';
    const message = usage ? `${error.message}\n\n${USAGE}` : (error?.message ?? String(error));
    if (json)
      process.stdout.write(
        `${JSON.stringify({ ok: false, exitCode: 2, error: { kind: usage ? 'usage' : config ? 'config' : 'internal', message: error?.message } }, null, 2)}\n`,
      );
    else process.stderr.write(`✘ ${config ? 'config: ' : ''}${message}\n`);
    process.exitCode = 2;
  },
);
