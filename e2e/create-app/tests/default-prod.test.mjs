// The default template (new frontend system) built and run the template Dockerfile's way.
import { createAppScenario } from '../lib/scenario.mjs';

createAppScenario({ template: 'default', mode: 'prod' });
