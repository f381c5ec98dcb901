import type { WorkloadSpec } from '../../models/workload/spec.ts';

/** The workload without a sweep's physical layout (in phases too): what fluid fidelity can represent. */
export function withoutLayout(w: WorkloadSpec): WorkloadSpec {
  if (w.type === 'phases') return { ...w, phases: w.phases.map((p) => ({ ...p, workload: withoutLayout(p.workload) as typeof p.workload })) };
  if (w.type !== 'sweep' || w.layoutFile === undefined) return w;
  const { layoutFile: _dropped, ...rest } = w;
  return rest;
}
