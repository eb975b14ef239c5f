/** `descent worker --queue redis://HOST:PORT`: take `descent compare --queue` runs and train them. */
import { getBackend } from '../backend/select.js';
import { numberFlag, parse, UsageError } from './args.js';
import type { Interrupt } from './experiment.js';
import { checkReachable, parseRedisUrl } from './redis-url.js';
import { VERSION } from './version.js';

export const WORKER_HELP = `descent worker — run the runs that \`descent compare --queue\` puts on a queue

Connects to Redis, loads Fashion-MNIST from this machine (the coordinator names the data, it
does not send it: this copy's checksum must equal the coordinator's, and the descent version
must be the same, or the worker refuses the run and stops), then trains runs until Ctrl-C.
A run this worker was training when it died is retried by another worker.

Flags:
  --queue URL          redis://HOST:PORT[/DB] (required)
  --concurrency N      runs at once, each in its own process with an equal share of the
                       native threads (default 1)
  --data DIR           directory with the four Fashion-MNIST IDX files
  --subset             use the bundled subset
  --quiet              no log lines

Examples:
  descent worker --queue redis://10.0.0.5:6379
  descent worker --queue redis://localhost:6379 --concurrency 2 --subset`;

const FLAGS = {
  queue: { type: 'string' },
  concurrency: { type: 'string' },
  data: { type: 'string' },
  subset: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

export async function runWorker(argv: string[], signal: Interrupt): Promise<number> {
  const cmd = 'worker';
  const { values: v, positionals } = parse(cmd, argv, FLAGS);
  if (v.help) {
    process.stdout.write(`${WORKER_HELP}\n`);
    return 0;
  }
  if (positionals.length)
    throw new UsageError(`descent ${cmd}: takes no arguments, got ${positionals.join(' ')}`);
  if (v.queue === undefined)
    throw new UsageError(`descent ${cmd}: --queue redis://HOST:PORT is required`);
  const target = parseRedisUrl(cmd, v.queue);
  const concurrency =
    v.concurrency === undefined
      ? 1
      : numberFlag(cmd, 'concurrency', v.concurrency, { min: 1, max: 256, integer: true });
  if (v.subset === true && v.data !== undefined)
    throw new UsageError(`descent ${cmd}: --subset and --data both name the data; give one`);
  await checkReachable(cmd, target);
  const log = v.quiet ? undefined : (line: string) => process.stdout.write(`${line}\n`);
  const { serve } = await import('./queue-worker.js'); // BullMQ only for this command
  const s = serve({
    target,
    concurrency,
    data: { dir: v.data as string | undefined, subset: v.subset === true },
    log,
  });
  signal.onStop = () => void s.close();
  let info: Awaited<typeof s.ready>;
  try {
    info = await s.ready;
  } catch (e) {
    throw new UsageError(`descent ${cmd}: ${(e as Error).message}`);
  }
  const b = getBackend().info();
  log?.(
    `descent worker ${VERSION}: ${target.url}, ${concurrency} at once — Fashion-MNIST ${info.source} (${info.train} train / ${info.test} test, checksum ${info.checksum.slice(0, 12)}), ${b.name} backend`,
  );
  const refused = await s.done;
  if (refused) {
    process.stderr.write(`descent worker: stopped: ${refused}\n`);
    return 2;
  }
  return signal.stop ? 130 : 0;
}
