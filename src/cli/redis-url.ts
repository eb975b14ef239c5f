/**
 * `--queue redis://HOST:PORT[/DB]`: parsed and pinged before anything runs, so a typo or a
 * server that is down is a usage error (exit 2), not a coordinator waiting forever.
 */
import { UsageError } from './args.js';

export interface RedisTarget {
  url: string;
  host: string;
  port: number;
  db: number;
}

export function parseRedisUrl(command: string, raw: unknown): RedisTarget {
  const bad = (why: string) =>
    new UsageError(
      `descent ${command}: --queue must be a Redis URL like redis://HOST:PORT, got ${JSON.stringify(raw)}: ${why}`,
    );
  if (typeof raw !== 'string' || raw === '') throw bad('empty');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw bad('not a URL');
  }
  if (u.protocol !== 'redis:')
    throw bad(`the scheme is ${u.protocol.replace(/:$/, '')}, not redis`);
  if (!u.hostname) throw bad('no host');
  const port = u.port === '' ? 6379 : Number(u.port);
  const path = u.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) throw bad('the path may only be a database number');
  if (u.search || u.hash) throw bad('no query or fragment is taken');
  return { url: raw, host: u.hostname.replace(/^\[|\]$/g, ''), port, db: path ? Number(path) : 0 };
}

/** Connection options for BullMQ: reconnect forever (a Redis restart is survived). */
export function connectionOf(t: RedisTarget) {
  return { host: t.host, port: t.port, db: t.db, maxRetriesPerRequest: null };
}

/** One PING with a short timeout and no retries; refuses an unreachable server up front. */
export async function checkReachable(command: string, t: RedisTarget): Promise<void> {
  const { Redis } = await import('ioredis'); // loaded only when a queue is used
  const client = new Redis({
    host: t.host,
    port: t.port,
    db: t.db,
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // reported below, once
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new UsageError(
      `descent ${command}: cannot reach Redis at ${t.url} (--queue): ${(e as Error).message}`,
    );
  } finally {
    client.disconnect();
  }
}
