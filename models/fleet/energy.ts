import type { EnergySpec } from './spec.ts';

/**
 * Energy of a migration plan from a stated power model of the hosts (the form of De Maio,
 * Kecskemeti & Prodan, "Modelling energy consumption of network transfers and virtual machine
 * migration", FGCS 2016: host power linear in CPU utilisation, transfer energy linear in bytes),
 * every coefficient an input (scenarios/fleet.schema.json, energy):
 *  - a host draws idle + (peak − idle) × u; u is the share of its CPU kept busy by the migrations it
 *    sends or receives, `cpuSharePerMigration` each, at most 1 (the guests' own load is the same
 *    with or without the plan, and left out);
 *  - every host a migration leaves or reaches draws its idle power over the plan's makespan;
 *  - each byte costs `nicJoulesPerByte` at the sending and at the receiving NIC, and
 *    `switchJoulesPerByte` per switch it crosses.
 * A migration's own energy is its dynamic part: (peak − idle) × share × its duration at both ends
 * (as if its hosts' CPUs were not saturated) + its bytes' NIC and switch energy.
 * Units: watts, joules, seconds, bytes.
 */
export class EnergyMeter {
  private readonly busy: number[];
  private readonly since: number[];
  private readonly busySeconds: number[];
  readonly involved = new Set<number>();
  networkJoules = 0;

  constructor(private readonly e: EnergySpec, hosts: number) {
    this.busy = new Array<number>(hosts).fill(0);
    this.since = new Array<number>(hosts).fill(0);
    this.busySeconds = new Array<number>(hosts).fill(0);
  }

  /** A migration starts (+1) or ends (−1) on host `h` at `nowSeconds`. */
  step(h: number, delta: 1 | -1, nowSeconds: number): void {
    this.involved.add(h);
    this.busySeconds[h] += Math.min(1, this.busy[h] * this.e.cpuSharePerMigration) * (nowSeconds - this.since[h]);
    this.since[h] = nowSeconds;
    this.busy[h] += delta;
  }

  /** The joules one migration's bytes cost on the network, counted into the plan's too. */
  transferJoules(bytes: number, switches: number): number {
    const j = bytes * (2 * this.e.nicJoulesPerByte + switches * this.e.switchJoulesPerByte);
    this.networkJoules += j;
    return j;
  }

  /** A migration's dynamic CPU energy at its two ends. */
  cpuJoules(durationSeconds: number): number {
    return 2 * (this.e.hostPeakWatts - this.e.hostIdleWatts) * this.e.cpuSharePerMigration * durationSeconds;
  }

  /** The plan's energy over `makespanSeconds`. */
  total(makespanSeconds: number): { idleJoules: number; cpuJoules: number; networkJoules: number; totalJoules: number; hosts: number } {
    let busy = 0;
    for (const h of this.involved) busy += this.busySeconds[h];
    const idleJoules = this.involved.size * this.e.hostIdleWatts * makespanSeconds;
    const cpuJoules = (this.e.hostPeakWatts - this.e.hostIdleWatts) * busy;
    return { idleJoules, cpuJoules, networkJoules: this.networkJoules, totalJoules: idleJoules + cpuJoules + this.networkJoules, hosts: this.involved.size };
  }
}
