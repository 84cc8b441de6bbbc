import { defineSoak } from './soak-suite.js';

/** The trading soak on simulated Bybit spot: see soak-suite.ts and harness.ts. */
defineSoak('bybit');
