/** The result row of a run that threw: no curve, no epochs, its message kept for the table. */
import type { RunResult, RunSpec } from './experiment.js';

export function failedRun(spec: RunSpec, message: string): RunResult {
  return {
    spec,
    curve: [],
    epochs: [],
    gradNorms: [],
    stepsToTarget: null,
    secondsToTarget: null,
    finalValAccuracy: Number.NaN,
    bestValAccuracy: Number.NaN,
    finalLoss: Number.NaN,
    samplesPerSec: Number.NaN,
    trainSeconds: 0,
    stopped: 'failed',
    error: message,
  };
}
