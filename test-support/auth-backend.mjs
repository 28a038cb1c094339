// A real Backstage backend in this process for the module tests: the real auth plugin, the
// real catalog (Users and Groups from a file location) and this package's module as built to
// dist/, on startTestBackend's in-memory SQLite. Logs are captured so tests can read them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestBackend, mockServices, mockCredentials } from '@backstage/backend-test-utils';
import { coreServices, createServiceFactory } from '@backstage/backend-plugin-api';
import authPlugin from '@backstage/plugin-auth-backend';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { loadModule } from './module-backend.mjs';

/** A LoggerService that records every entry ({ level, message, meta }) in `entries`. */
export function capturingLogger(entries, meta = {}) {
  const log = level => (message, extra) => {
    entries.push({ level, message: String(message), meta: { ...meta, ...(extra instanceof Error ? { error: extra.message } : extra) } });
  };
  return {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    child: childMeta => capturingLogger(entries, { ...meta, ...childMeta }),
  };
}

function writeCatalog(entities) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-catalog-'));
  const file = path.join(dir, 'catalog.yaml');
  fs.writeFileSync(file, entities.map(e => JSON.stringify(e)).join('\n---\n'));
  return { dir, file };
}

/** A User entity; `memberOf` names groups in the default namespace. */
export function user(name, { email, annotations, memberOf = [] } = {}) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name, ...(annotations ? { annotations } : {}) },
    spec: { profile: email ? { email } : {}, memberOf },
  };
}

export function group(name) {
  return { apiVersion: 'backstage.io/v1alpha1', kind: 'Group', metadata: { name }, spec: { type: 'team', children: [] } };
}

/**
 * Starts the backend. `providers` is `auth.providers`; `entities` are catalog entities
 * (none: no catalog plugin). Rejects when start-up fails (config errors).
 */
export async function startAuthBackend({ providers, entities, extraConfig = {} }) {
  const logs = [];
  const logger = capturingLogger(logs);
  const catalog = entities ? writeCatalog(entities) : undefined;
  const data = {
    app: { baseUrl: 'http://127.0.0.1:3000' },
    auth: providers === undefined ? {} : { providers },
    ...(catalog && {
      catalog: {
        locations: [{ type: 'file', target: catalog.file, rules: [{ allow: ['User', 'Group'] }] }],
      },
    }),
    ...extraConfig,
  };
  const module = await loadModule();
  let backend;
  try {
    backend = await startTestBackend({
      features: [
        authPlugin,
        ...(catalog ? [catalogPlugin] : []),
        module,
        mockServices.rootConfig.factory({ data }),
        createServiceFactory({ service: coreServices.rootLogger, deps: {}, factory: () => logger }),
      ],
    });
  } catch (error) {
    if (catalog) fs.rmSync(catalog.dir, { recursive: true, force: true });
    error.logs = logs;
    throw error;
  }
  const url = `http://127.0.0.1:${backend.server.port()}`;

  const api = {
    url,
    logs,
    /** GET /api/auth/<provider>/refresh with the token in `header` (none when token is undefined). */
    refresh(token, { header = 'x-oidc-id-token', provider = 'oidcProxy', headers = {} } = {}) {
      return fetch(`${url}/api/auth/${provider}/refresh`, {
        headers: { 'x-requested-with': 'XMLHttpRequest', ...(token === undefined ? {} : { [header]: token }), ...headers },
      });
    },
    /** Waits (bounded) until the catalog serves every User in `entities`. */
    async catalogReady() {
      const users = (entities ?? []).filter(e => e.kind === 'User').map(e => e.metadata.name);
      for (let attempt = 0; attempt < 600; attempt++) {
        const found = await Promise.all(
          users.map(async name => {
            const res = await fetch(`${url}/api/catalog/entities/by-name/user/default/${name}`, {
              headers: { authorization: mockCredentials.user.header() },
            });
            return res.ok;
          }),
        );
        if (found.every(Boolean)) return;
        await new Promise(r => setTimeout(r, 100));
      }
      throw new Error('the catalog did not ingest the test entities in 60 s');
    },
    async stop() {
      await backend.stop();
      if (catalog) fs.rmSync(catalog.dir, { recursive: true, force: true });
    },
  };
  if (entities) await api.catalogReady();
  return api;
}
