// Types of @nodulab/native's ESM entry (index.mjs): the addon as the default export; the types of index.d.ts.
import native from './index.js';

export default native;
export type {
  Backend,
  BatchNormGrads,
  BatchNormTrainOutput,
  NativeBinding,
  PoolWindow,
  Shape5,
  Triple,
} from './index.js';
