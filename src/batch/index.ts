export * from './batch-processor.js';
export { SEED_BATCH_SIZES } from './batch-sizes.js';
