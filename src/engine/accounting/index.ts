export * from './position-ledger.js';
export * from './portfolio.js';
export * from './dust.js';
export * from './marks.js';
