/**
 * `npm run build` runs this after compiling: the workflows bundled once, beside the compiled code, so that a
 * worker starts without bundling them again (1.2–1.3 s of every `ebpm study`, `ebpm worker` and demo start).
 */
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { prebuiltBundlePath, workflowsEntryPoint } from './worker.js';

const silent = () => undefined;
const bundle = await bundleWorkflowCode({
  workflowsPath: workflowsEntryPoint(),
  logger: { log: silent, trace: silent, debug: silent, info: silent, warn: (message) => console.warn(message), error: (message) => console.error(message) },
});
writeFileSync(prebuiltBundlePath(), bundle.code);
