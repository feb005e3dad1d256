export { type TreeLayout, treeLayout } from './dispatch/tree.js';
export { ExtremeScaleExecutor, type ExtremeScaleOptions } from './executor.js';
