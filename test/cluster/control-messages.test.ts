import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PART_BYTES, ReplyAssembler, decodeMessage, encodeReply, type ReplyPart } from '../../src/cluster/control-messages.js';

/** Forwarded answers survive NOTIFY's limits: any text, any size, parts in any order, nothing else accepted. */

const NOTIFY_LIMIT_BYTES = 8_000;

function parts(payloads: string[]): ReplyPart[] {
  return payloads.map((p) => {
    const message = decodeMessage(p);
    if (message?.kind !== 'reply') throw new Error(`not a reply part: ${p.slice(0, 80)}`);
    return message;
  });
}

describe('forwarded control messages', () => {
  it('a reply of any text and size comes back whole from its parts in any order, each payload ASCII and under 8,000 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 4_000 }), fc.integer({ min: 0, max: 5 }), fc.integer(), (text, copies, seed) => {
        const status = { id: 'e1', connectionId: 'c1', state: 'stopped', note: text.repeat(copies + 1) };
        const payloads = encodeReply('req-1', { ok: true, status });
        for (const p of payloads) {
          expect(Buffer.byteLength(p, 'utf8')).toBe(p.length);
          expect(p.length).toBeLessThan(NOTIFY_LIMIT_BYTES);
        }
        const shuffled = parts(payloads).sort((a, b) => ((a.part * 7919 + seed) % 13) - ((b.part * 7919 + seed) % 13));
        const assembler = new ReplyAssembler();
        const results = shuffled.map((p) => assembler.add(p));
        expect(results.slice(0, -1).every((r) => r === null)).toBe(true);
        expect(results.at(-1)).toEqual({ ok: true, status });
      }),
      { numRuns: 60 },
    );
  });

  it('splits a large answer into parts of at most PART_BYTES of JSON', () => {
    const status = { id: 'e1', connectionId: 'c1', state: 'stopped', big: 'x'.repeat(3 * PART_BYTES) };
    expect(encodeReply('r', { ok: true, status })).toHaveLength(4);
  });

  it('ignores what is not a control message, and a reply that is not a valid answer', () => {
    for (const payload of ['', 'not json', '{}', '{"kind":"request","id":"1"}', '{"kind":"ack","id":"1","extra":1}', '{"kind":"reply","id":"1","part":0,"parts":1,"data":"!!"}']) {
      expect(decodeMessage(payload), payload).toBeNull();
    }
    const assembler = new ReplyAssembler();
    const bogus = Buffer.from(JSON.stringify({ ok: true, status: { state: 'stopped' } })).toString('base64');
    expect(assembler.add({ kind: 'reply', id: 'x', part: 0, parts: 1, data: bogus })).toBeNull();
    expect(decodeMessage('{"kind":"request","id":"1","from":"a","action":"stop","engineId":"e","options":{}}')).toMatchObject({ action: 'stop' });
    expect(decodeMessage('{"kind":"request","id":"1","from":"a","action":"delete","engineId":"e","options":{}}')).toBeNull();
  });
});
