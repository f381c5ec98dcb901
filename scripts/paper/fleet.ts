/**
 * The fleet figure (issue 15): evacuating a host of 40 mixed guests over 10 Gbit/s
 * (scenarios/fleets/evacuate-host.json: web servers on Xen pre-copy, databases on QEMU pre-copy
 * forced to stop-and-copy after 120 s, batch jobs on QEMU pre-copy then post-copy), makespan and
 * total downtime against how many migrations may run at once per host, for two orders; each seed
 * draws other guests (memory, write rates). Data only (no rendering), like data.ts.
 */
import { resolve } from 'node:path';
import { loadFleet } from '../../models/fleet/load.ts';
import { runFleet } from '../../models/fleet/runFleet.ts';
import { summarize } from '../lib/stats.ts';
import type { Row } from './data.ts';

export const FLEET_SETUP = {
  file: 'scenarios/fleets/evacuate-host.json',
  perHost: [1, 2, 4, 8, 16, 40],
  orders: [['smallest-memory-first', 'smallest guests first'], ['largest-memory-first', 'largest guests first']] as const,
  seeds: 10,
};

export function fleetEvacuationData(): Row[] {
  const S = FLEET_SETUP;
  const rows: Row[] = [];
  const file = resolve(S.file);
  for (const perHost of S.perHost) {
    for (const [order, series] of S.orders) {
      const m: Record<string, number[]> = { 'makespan (s)': [], 'total downtime (s)': [], 'mean migration time (s)': [] };
      for (let seed = 1; seed <= S.seeds; seed++) {
        const f = loadFleet(file, [`seed=${seed}`, `plan.order="${order}"`, `plan.maxConcurrent.perHost=${perHost}`]);
        const r = runFleet(f).summary;
        m['makespan (s)'].push(r.makespanSeconds);
        m['total downtime (s)'].push(r.sumDowntimeSeconds);
        m['mean migration time (s)'].push(r.meanMigrationSeconds);
      }
      for (const [metric, xs] of Object.entries(m)) { const st = summarize(xs); rows.push({ perHost, metric, series, mean: st.mean, ciLow: st.ciLow, ciHigh: st.ciHigh, std: st.std, n: st.n }); }
    }
  }
  return rows;
}
