import { defineSoak } from './soak-suite.js';

/** The trading soak on simulated Binance spot: see soak-suite.ts and harness.ts. */
defineSoak('binance');
