/**
 * `npm run build` runs this after compiling: the workflows bundled once, beside the compiled code, so that a
 * worker starts without bundling them again (1.2–1.3 s of every `ebpm study`, `ebpm worker` and demo start).
 */
import { writeFileSync } from 'node:fs';
import { bundleWorkflows, prebuiltBundlePath } from './worker.js';

writeFileSync(prebuiltBundlePath(), await bundleWorkflows());
