// Worker entry when running from TypeScript sources: on Node 20, tsx registers its ESM hooks only in
// the main thread, so a lane thread registers them itself before loading the lane module.
import { register } from 'tsx/esm/api';
register();
await import('./worker.ts');
