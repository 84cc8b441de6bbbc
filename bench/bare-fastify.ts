import Fastify from 'fastify';

/** The baseline: a bare Fastify route returning the same JSON document, to isolate our overhead. */
const body = process.env.BENCH_BODY ?? '{}';
const app = Fastify({ logger: false });
app.get('/api/settings/connections', async (_req, reply) => reply.type('application/json').send(body));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`BARE listening on ${address}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
