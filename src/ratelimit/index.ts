export type { AcquireOutcome, AcquireRequest, BucketSpec, BucketStore, Draw, PauseInfo, UsageCorrection } from './bucket-store.js';
export { createBucketState, DecayState, FixedWindowState, SlidingLogState, type BucketState } from './buckets.js';
export { ExchangeRateLimiter, type BucketUsage, type ExchangeRateLimiterOptions, type LimitStatus } from './exchange-limiter.js';
export { epochMs, retryAfterMs, usageFromHeaders } from './feedback.js';
export * from './limit-rules.js';
export {
  LimiterQueueFullError,
  RateLimiter,
  type LimiterEvent,
  type LimiterListener,
  type RateLimiterOptions,
  type RunOptions,
} from './limiter.js';
export { MemoryBucketStore } from './memory-store.js';
export type { JournaledPause, PauseJournal } from './pause-journal.js';
export { RedisBucketStore, type RedisBucketStoreOptions } from './redis-store.js';
export { endpointName, resolveRequest, type ResolvedRequest } from './resolve.js';
export type { PreparedAcquire } from './waiter-queue.js';
