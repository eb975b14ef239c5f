#!/usr/bin/env node
/** The `descent` command: compare (default), train, bench, info. */
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, UsageError } from './args.js';
import { COMPARE_HELP, runCompare } from './compare.js';
import type { Interrupt } from './experiment.js';
import { INFO_HELP, runInfo } from './info.js';
import { runTrain, TRAIN_HELP } from './train-cmd.js';
import { runWorker, WORKER_HELP } from './worker-cmd.js';

const HELP = `descent — train and compare deep-learning optimizers in Node.js

Usage: descent <command> [flags]     (descent <command> --help for each)

Commands:
  compare   train one model with several optimizers (or a --preset) and write a report
  train     one training run, with checkpoints and --resume
  bench     run the benchmark suite (from a source checkout)
  info      backend, SIMD level, threads, versions
  worker    run the runs of \`descent compare --queue\` (BullMQ on Redis), on any machine

Examples:
  descent compare
  descent compare --preset adam-vs-sgd
  descent train --optimizer adamw --epochs 10 --checkpoint run1
  descent info`;

const BENCH_HELP = `descent bench — the benchmark suite (benchmarks/run.mjs in a source checkout)

Flags are passed through: --quick (under 2 minutes), --only SECTIONS, --json PATH.

Examples:
  descent bench --quick
  descent bench --only optimizers,gemm`;

function runBench(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${BENCH_HELP}\n`);
    return 0;
  }
  const script = fileURLToPath(new URL('../../benchmarks/run.mjs', import.meta.url));
  if (!existsSync(script)) {
    process.stderr.write(
      'descent bench: the benchmark suite ships with the source repository (benchmarks/run.mjs), not the npm package\n',
    );
    return 2;
  }
  return spawnSync(process.execPath, [script, ...argv], { stdio: 'inherit' }).status ?? 1;
}

export async function main(argv: string[]): Promise<number> {
  const [command = 'compare', ...rest] = argv;
  const signal: Interrupt = { stop: false };
  const onInt = () => {
    if (signal.stop) process.exit(130);
    signal.stop = true;
    signal.onStop?.();
    process.stderr.write(
      command === 'worker'
        ? '\ndescent worker: interrupted — finishing the runs under way, taking no more (Ctrl-C again to quit now; its runs are then retried elsewhere)\n'
        : '\ndescent: interrupted — finishing the current batch and writing the results so far (Ctrl-C again to quit now)\n',
    );
  };
  // Only compare and worker train off the main thread and can hear Ctrl-C; elsewhere the
  // default (exit at once) is right: checkpoints are written atomically.
  if (command === 'compare' || command === 'worker') process.on('SIGINT', onInt);
  try {
    switch (command) {
      case 'compare':
        return await runCompare(rest, signal);
      case 'train':
        return runTrain(rest);
      case 'worker':
        return await runWorker(rest, signal);
      case 'bench':
        return runBench(rest);
      case 'info': {
        const { values, positionals } = parse('info', rest, {});
        if (values.help) {
          process.stdout.write(`${INFO_HELP}\n`);
          return 0;
        }
        if (positionals.length)
          throw new UsageError(`descent info: takes no arguments, got ${positionals.join(' ')}`);
        return runInfo();
      }
      case 'help':
      case '--help':
      case '-h': {
        const sub = rest[0];
        const texts: Record<string, string> = {
          compare: COMPARE_HELP,
          train: TRAIN_HELP,
          bench: BENCH_HELP,
          info: INFO_HELP,
          worker: WORKER_HELP,
        };
        process.stdout.write(`${sub && texts[sub] ? texts[sub] : HELP}\n`);
        return 0;
      }
      default:
        process.stderr.write(
          `descent: unknown command ${JSON.stringify(command)}; valid: compare, train, bench, info, worker, help\n\n${HELP}\n`,
        );
        return 2;
    }
  } catch (e) {
    if (
      e instanceof UsageError ||
      e instanceof TypeError ||
      e instanceof RangeError ||
      (e instanceof Error && /^(descent|cannot write|.*IDX|.*Fashion-MNIST)/i.test(e.message))
    ) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.off('SIGINT', onInt);
  }
}

if (
  process.argv[1] &&
  existsSync(process.argv[1]) &&
  realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`descent: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
