// Worker entry when running from TypeScript sources: on Node 20, tsx registers its ESM hooks only in
// the main thread, so a worker registers them itself before loading the task module.
import { register } from 'tsx/esm/api';
register();
const { default: runTask } = await import('./worker.ts');
export default runTask;
