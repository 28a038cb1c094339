// The `--legacy` template built and run the template Dockerfile's way, configured under the seed
// document's key spelling `oidc-proxy`.
import { createAppScenario } from '../lib/scenario.mjs';

createAppScenario({ template: 'legacy', mode: 'prod', providerKey: 'oidc-proxy' });
