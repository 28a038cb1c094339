// The default template (new frontend system) in development: `yarn start`.
import { createAppScenario } from '../lib/scenario.mjs';

createAppScenario({ template: 'default', mode: 'dev' });
