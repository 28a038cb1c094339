// Where the token comes from, in this order: the argument, stdin when the argument is `-`,
// then the OIDC_ID_TOKEN environment variable. An argument lands in shell history and
// process lists; stdin and the variable do not.
import { readFileSync } from 'node:fs';
import { UsageError } from './args';

export function readToken(positional: string[]): string {
  if (positional.length > 1) throw new UsageError('give one token at most');
  const [arg] = positional;
  let token: string | undefined;
  if (arg === '-') token = readFileSync(0, 'utf8');
  else if (arg !== undefined) token = arg;
  else token = process.env.OIDC_ID_TOKEN;
  token = token?.trim();
  if (!token) throw new UsageError('no token: pass it as the argument, as - to read stdin, or in OIDC_ID_TOKEN');
  return token;
}
