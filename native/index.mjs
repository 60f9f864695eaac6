// ESM entry of @nodulab/native: the same addon object as `require('@nodulab/native')`, as the default export.
import { createRequire } from 'node:module';

const native = createRequire(import.meta.url)('./index.js');
export default native;
