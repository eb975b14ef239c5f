/**
 * SWALR, `torch.optim.swa_utils.SWALR`: anneals each group's lr to its `swaLr` over
 * `annealEpochs` steps (cosine or linear) and then holds it, for stochastic weight averaging
 * (Izmailov et al., 2018) together with `optim.AveragedParams`.
 */
import {
  finiteNumber,
  formatParam,
  integer,
  LRScheduler,
  oneOf,
  perGroup,
  prepare,
  required,
  type SchedulableOptimizer,
  type SchedulerOptions,
  type StateCheck,
  spec,
  stateChoice,
  stateInteger,
  stateNumbers,
} from './scheduler.js';

export interface SWALROptions extends SchedulerOptions {
  /** The lr to anneal to: one for all groups or one per group; required. torch: `swa_lr`. */
  swaLr: number | number[];
  /** Steps of the annealing phase (an integer ≥ 0). Default 10. torch: `anneal_epochs`. */
  annealEpochs?: number;
  /** Shape of the annealing, 'cos' or 'linear'. Default 'cos'. torch: `anneal_strategy`. */
  annealStrategy?: 'cos' | 'linear';
}

const cosine = (t: number) => (1 - Math.cos(Math.PI * t)) / 2;
const linear = (t: number) => t;

/**
 * `torch.optim.swa_utils.SWALR`, for stochastic weight averaging (Izmailov et al. 2018): anneals
 * each group's lr to its `swaLr` over `annealEpochs` steps, then holds it. Use with
 * {@link optim.AveragedParams}.
 */
export class SWALR extends LRScheduler {
  /** The lr annealed to, one per group. */
  swaLrs: number[];
  /** Steps of the annealing phase. */
  annealEpochs: number;
  /** Shape of the annealing. */
  annealStrategy: 'cos' | 'linear';

  constructor(optimizer: SchedulableOptimizer, options: SWALROptions) {
    const groups = (optimizer as SchedulableOptimizer)?.paramGroups?.length ?? 0;
    const SPEC = spec<Required<SWALROptions>>(
      { annealEpochs: 10, annealStrategy: 'cos' },
      {
        swaLr: required(perGroup(groups, finiteNumber)),
        annealEpochs: integer(0),
        annealStrategy: oneOf(['cos', 'linear']),
      },
    );
    const o = prepare('SWALR', optimizer, SPEC, options);
    super('SWALR', optimizer, o);
    this.swaLrs = formatParam(o.swaLr, groups);
    this.annealEpochs = o.annealEpochs;
    this.annealStrategy = o.annealStrategy;
    this.start();
  }

  /** torch's `_get_initial_lr`: the lr the previous step started from. */
  private static initialLr(lr: number, swaLr: number, alpha: number): number {
    return alpha === 1 ? swaLr : (lr - alpha * swaLr) / (1 - alpha);
  }

  protected override getLr(): number[] {
    const f = this.annealStrategy === 'cos' ? cosine : linear;
    let step = this.stepCount - 1;
    if (this.annealEpochs === 0) step = Math.max(1, step);
    const span = Math.max(1, this.annealEpochs);
    const prevAlpha = f(Math.max(0, Math.min(1, (step - 1) / span)));
    const alpha = f(Math.max(0, Math.min(1, step / span)));
    return this.groups.map((g, i) => {
      const prev = SWALR.initialLr(g.lr, this.swaLrs[i], prevAlpha);
      return this.swaLrs[i] * alpha + prev * (1 - alpha);
    });
  }

  protected override stateSpec(): Record<string, StateCheck> {
    return {
      ...super.stateSpec(),
      swaLrs: stateNumbers(this.groups.length),
      annealEpochs: stateInteger(0),
      annealStrategy: stateChoice(['cos', 'linear']),
    };
  }
}
