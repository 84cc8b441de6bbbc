/** `zod` as a strategy file sees it: the same instance the SDK and the engine use. */
export * from 'zod';
export { default } from 'zod';
