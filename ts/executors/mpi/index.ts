export { ExtremeScaleExecutor, type ExtremeScaleOptions } from './extreme-scale.js';
export { type TreeLayout, treeLayout } from './dispatch-tree.js';
