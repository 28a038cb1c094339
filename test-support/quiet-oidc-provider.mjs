// oidc-provider warns on import and on every start that this is a development setup (Node 20,
// in-memory adapter, devInteractions): true and intended here, and noise in the test output.
// Imported before oidc-provider so its import-time warning is filtered too.
for (const level of ['warn', 'info']) {
  const original = console[level];
  console[level] = (...args) => {
    if (typeof args[0] === 'string' && /oidc-provider (WARNING|NOTICE)/.test(args[0])) return;
    original(...args);
  };
}
