export * from './position-ledger.js';
export * from './portfolio.js';
