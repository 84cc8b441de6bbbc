import { z } from 'zod';

/**
 * The wire format of forwarded control requests (docs/deployment.md, "Control requests in a cluster").
 * Messages travel as Postgres NOTIFY payloads, which must stay under 8,000 bytes: every message is
 * ASCII JSON (so characters are bytes), and a reply is sent as base64 of its UTF-8 JSON in numbered
 * parts of PART_BYTES each (base64 needs 4/3 of that, plus a small envelope).
 */

export const CONTROL_ACTIONS = ['stop', 'pause', 'resume', 'emergency-stop'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

export const ControlOptionsSchema = z.object({ cancelOpenOrders: z.boolean().optional(), flatten: z.boolean().optional() }).strict();
export type ControlOptions = z.infer<typeof ControlOptionsSchema>;

const Id = z.string().min(1).max(100);

export const ControlRequestSchema = z
  .object({ kind: z.literal('request'), id: Id, from: Id, action: z.enum(CONTROL_ACTIONS), engineId: Id, options: ControlOptionsSchema })
  .strict();
export type ControlRequest = z.infer<typeof ControlRequestSchema>;

/** Sent by the owner the moment a request arrives: "alive, working on it". */
const AckSchema = z.object({ kind: z.literal('ack'), id: Id }).strict();
const ReplyPartSchema = z.object({ kind: z.literal('reply'), id: Id, part: z.number().int().min(0), parts: z.number().int().min(1).max(1000), data: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/) }).strict();

export const ControlMessageSchema = z.discriminatedUnion('kind', [ControlRequestSchema, AckSchema, ReplyPartSchema]);
export type ControlMessage = z.infer<typeof ControlMessageSchema>;
export type ReplyPart = z.infer<typeof ReplyPartSchema>;

/** The one error shape of the API (src/server/problem.ts), as the owner rendered it. */
export const ForwardedProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ForwardedProblem = z.infer<typeof ForwardedProblemSchema>;

/** The engine status body the owner answered (its fields are the owner's own, passed through as they are). */
const StatusBodySchema = z.looseObject({ id: z.string(), connectionId: z.string(), state: z.string() });

export const ControlResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), status: StatusBodySchema }).strict(),
  z.object({ ok: z.literal(false), problem: ForwardedProblemSchema }).strict(),
]);
export type ControlResult = z.infer<typeof ControlResultSchema>;

/** Bytes of result JSON per NOTIFY payload: 5,000 bytes are 6,668 base64 characters, well below 8,000 with the envelope. */
export const PART_BYTES = 5_000;

/** JSON with every non-ASCII character escaped, so its length in characters is its length in bytes. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function encodeReply(id: string, result: { ok: true; status: object } | { ok: false; problem: ForwardedProblem }): string[] {
  const bytes = Buffer.from(JSON.stringify(result), 'utf8');
  const parts = Math.max(1, Math.ceil(bytes.length / PART_BYTES));
  return Array.from({ length: parts }, (_, part) =>
    asciiJson({ kind: 'reply', id, part, parts, data: bytes.subarray(part * PART_BYTES, (part + 1) * PART_BYTES).toString('base64') }),
  );
}

/** A message from another process, or null when it is not one (malformed text is ignored, never thrown). */
export function decodeMessage(payload: string): ControlMessage | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  const result = ControlMessageSchema.safeParse(parsed);
  return result.success ? result.data : null;
}

/** Collects the parts of replies until one is complete. */
export class ReplyAssembler {
  readonly #parts = new Map<string, (string | undefined)[]>();

  /** The complete result once its last missing part arrived; null before (or for a reply that is not valid). */
  add(part: ReplyPart): ControlResult | null {
    const parts = this.#parts.get(part.id) ?? new Array<string | undefined>(part.parts).fill(undefined);
    if (parts.length !== part.parts || part.part >= part.parts) return null;
    parts[part.part] = part.data;
    if (parts.some((p) => p === undefined)) {
      this.#parts.set(part.id, parts);
      return null;
    }
    this.#parts.delete(part.id);
    try {
      const text = Buffer.concat(parts.map((p) => Buffer.from(p ?? '', 'base64'))).toString('utf8');
      const result = ControlResultSchema.safeParse(JSON.parse(text));
      return result.success ? result.data : null;
    } catch {
      return null;
    }
  }

  forget(id: string): void {
    this.#parts.delete(id);
  }
}
