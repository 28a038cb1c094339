// Reads the app config as the backend does (@backstage/config-loader's default sources:
// the --config files in order, ${VAR} substitution, $include/$file, APP_CONFIG_* variables),
// then the provider block with the module's own start-up reading.
import { ConfigSources } from '@backstage/config-loader';
import type { Config } from '@backstage/config';
import { findProviderKey } from '../alias';
import { readOidcProxyConfig, type OidcProxyConfig } from '../config';
import { oidcProxySignInResolvers, readSignInResolver, type OidcProxySignInResolverFactory } from '../resolvers';
import type { SignInResolver } from '@backstage/plugin-auth-node';
import type { OidcProxyResult } from '../authenticator';
import { UsageError } from './args';

export interface LoadedProvider {
  /** The key under auth.providers, e.g. oidcProxy. */
  providerId: string;
  fullKey: string;
  providerConfig: Config;
  parsed: OidcProxyConfig;
  resolver: SignInResolver<OidcProxyResult>;
}

/** A config problem start-up would report: exit 2. */
export class ConfigProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigProblem';
  }
}

/** `factories`: the resolver factories `signIn.resolvers` may name (default: the module's). */
export async function loadProvider(
  files: string[],
  provider?: string,
  factories: Record<string, OidcProxySignInResolverFactory> = oidcProxySignInResolvers,
): Promise<LoadedProvider> {
  if (files.length === 0)
    throw new UsageError('--config FILE is required (repeat it for several files, as for the backend)');
  let root: Config;
  try {
    const source = ConfigSources.default({ argv: files.flatMap(f => ['--config', f]), env: process.env, watch: false });
    const config = await ConfigSources.toConfig(source);
    config.close();
    root = config;
  } catch (error) {
    throw new ConfigProblem(`cannot load the config: ${(error as Error).message}`);
  }
  try {
    const providerId = provider ?? findProviderKey(root);
    const fullKey = `auth.providers.${providerId}`;
    const providerConfig = root.getOptionalConfig(fullKey);
    if (!providerConfig) throw new Error(`Missing config '${fullKey}'`);
    const parsed = readOidcProxyConfig(providerConfig, fullKey);
    const resolver = readSignInResolver(providerConfig, fullKey, factories);
    return { providerId, fullKey, providerConfig, parsed, resolver };
  } catch (error) {
    throw new ConfigProblem((error as Error).message);
  }
}
