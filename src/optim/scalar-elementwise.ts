/**
 * Elementwise optimizers that keep per-parameter scalar state (NAdam's μ product, ASGD's η
 * and μ). A kernel call takes one value of each scalar, so parameters may share a call only
 * while their scalars agree. They agree whenever the parameters have stepped together; when
 * two neighbours with equal step counts disagree (one skipped steps while the options changed,
 * or a loaded state dict says so), the group steps one parameter per call instead.
 */
import type { Backend } from '../backend/select.js';
import { ElementwiseOptimizer, type Run } from './elementwise.js';
import type { GroupState, ParamGroup } from './optimizer.js';

/**
 * Base of the elementwise optimizers that also keep per-parameter scalar state (NAdam's μ
 * product, ASGD's η and μ): parameters share a kernel call only while their scalars agree.
 */
export abstract class ScalarStateOptimizer<O extends object> extends ElementwiseOptimizer<O> {
  private readonly scalarLists = new WeakMap<GroupState, Float64Array[]>();

  protected override updateGroup(group: ParamGroup<O>, st: GroupState, b: Backend): void {
    if (this.scalarsAgree(group, st)) super.updateGroup(group, st, b);
    else this.updateEach(group, st, b);
  }

  /** Whether every pair of neighbours that could share a run holds equal scalars. */
  private scalarsAgree(group: ParamGroup<O>, st: GroupState): boolean {
    let lists = this.scalarLists.get(st);
    if (!lists || lists.length !== st.scalars.size) {
      lists = [...st.scalars.values()];
      this.scalarLists.set(st, lists);
    }
    if (lists.length === 0) return true;
    const params = group.params;
    let prev = -1;
    for (let i = 0; i < params.length; i++) {
      if (params[i].grad === null || params[i].data.length === 0) {
        prev = -1;
        continue;
      }
      // Scalars of a parameter that has not stepped yet are initialised by its first step.
      if (prev >= 0 && st.steps[i] === st.steps[prev] && st.steps[i] > 0) {
        for (let k = 0; k < lists.length; k++)
          if (!Object.is(lists[k][i], lists[k][prev])) return false;
      }
      prev = i;
    }
    return true;
  }

  /** The slow path: one kernel call per parameter (allocates; rare). */
  private updateEach(group: ParamGroup<O>, st: GroupState, b: Backend): void {
    const slots = this.slots(group);
    for (const s of slots) if (s) st.arena(s, this.initValue(s, group));
    const h = new Float64Array(this.hyperLength);
    group.params.forEach((p, i) => {
      if (p.grad === null || p.data.length === 0) return;
      const n = p.data.length;
      const step = st.steps[i] + 1;
      st.steps[i] = step;
      const run: Run = {
        start: i,
        end: i + 1,
        data: p.data,
        grad: p.grad,
        states: slots.map((s) => (s ? st.view(s, i, n) : null)),
        segments: this.needsSegments ? Uint32Array.of(n) : null,
      };
      this.hyper(group, step, h, st, run);
      b.kernelsFor(n).optimStep(this.kind, run.data, run.grad, run.states, h, run.segments);
    });
    st.fresh.clear();
  }
}
