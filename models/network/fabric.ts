import type { ScheduledEvent } from '../../sim/eventQueue.ts';
import type { Simulator } from '../../sim/simulator.ts';
import type { Channel, TransferHandle } from './channel.ts';

/**
 * A topology's links shared by many transfers, each crossing a route of links, with max-min
 * fairness over every link a transfer crosses (progressive filling, as SimGrid's CM02 model without
 * its latency and bandwidth factors): the narrowest link's transfers are frozen at its equal share,
 * its capacity and theirs are taken off the others, and so on; a transfer whose own cap is lower
 * keeps to it. Background traffic on a link is capacity taken off it for the whole run (a constant
 * rate: the model has no other flows than the migrations').
 *
 * A transfer of V bytes finishes when its last byte has been sent plus the route's latency (the
 * sum over its links), so a lone transfer takes latency + V / rate, as a `Link` does; its cap is
 * the smaller of its rate limit and the TCP window bound window / (2 × route latency) when the
 * route has a window.
 *
 * Cost: rates are recomputed once per simulated instant at which transfers start or end (all the
 * changes of one instant together, in one zero-delay event), and one event holds the next end of
 * data: a fleet whose guests start and end rounds together costs one recomputation per instant,
 * not one per transfer. A recomputation costs O(iterations × links in use + transfers × route
 * length), the iterations being the distinct levels of fair share.
 * Units: bytes, bytes per second, seconds.
 */
export interface FabricLinkSpec {
  name: string;
  bandwidthBitsPerSecond: number;
  latencySeconds: number;
  /** Bits per second of other traffic on the link, taken off its capacity (0: none). */
  backgroundBitsPerSecond?: number;
  /** A TCP window in bytes for routes across this link (the smallest on a route applies); null: none. */
  tcpWindowBytes?: number | null;
}

interface FabricLink {
  readonly name: string;
  /** Bandwidth, and what background traffic leaves of it (bytes/s). */
  readonly bandwidthBytesPerSecond: number;
  readonly capacityBytesPerSecond: number;
  readonly latencySeconds: number;
  readonly tcpWindowBytes: number | null;
  /** Transfers crossing it now. */
  transfers: number;
  /** Scratch for the allocation: capacity left, transfers not yet frozen. */
  left: number;
  unfrozen: number;
  /** Bytes the transfers carried across it so far, and its highest utilisation (background included). */
  bytes: number;
  peakUtilisation: number;
}

/** What crossed a link. */
export interface LinkStats { name: string; bandwidthBitsPerSecond: number; bytes: number; peakUtilisation: number }

/** One transfer (a class: see Link's Transfer for why). */
export class FabricTransfer implements TransferHandle {
  remainingBytes: number;
  rateBytesPerSecond = 0;
  active = true;
  frozen = false;
  /** Its data has all left; waiting one route latency for the last byte to arrive. */
  arriving: ScheduledEvent | null = null;
  constructor(
    readonly id: number,
    readonly bytes: number,
    readonly capBytesPerSecond: number,
    readonly path: FabricPath,
    readonly onDone: () => void,
  ) {
    this.remainingBytes = Math.max(0, bytes);
  }
}

/** Relative tolerance of "ends now": transfers whose data ends within it of the next end are ended together. */
const SAME_INSTANT = 1e-12;

export class Fabric {
  private readonly links: FabricLink[] = [];
  private readonly byName = new Map<string, number>();
  private active: FabricTransfer[] = [];
  private lastSettleSeconds = 0;
  private pending: ScheduledEvent | null = null;
  private nextEnd: ScheduledEvent | null = null;
  private nextId = 0;
  /** Recomputations of the rates so far (tests, benchmarks). */
  reallocations = 0;

  constructor(private readonly sim: Simulator) {}

  addLink(spec: FabricLinkSpec): number {
    if (this.byName.has(spec.name)) throw new Error(`internal: link ${spec.name} added twice`);
    const capacity = Math.max(0, spec.bandwidthBitsPerSecond - (spec.backgroundBitsPerSecond ?? 0)) / 8;
    this.links.push({
      name: spec.name, bandwidthBytesPerSecond: spec.bandwidthBitsPerSecond / 8, capacityBytesPerSecond: capacity, latencySeconds: spec.latencySeconds, tcpWindowBytes: spec.tcpWindowBytes ?? null,
      transfers: 0, left: 0, unfrozen: 0, bytes: 0, peakUtilisation: capacity < spec.bandwidthBitsPerSecond / 8 ? 1 - (capacity * 8) / spec.bandwidthBitsPerSecond : 0,
    });
    this.byName.set(spec.name, this.links.length - 1);
    return this.links.length - 1;
  }

  linkIndex(name: string): number | undefined {
    return this.byName.get(name);
  }

  linkName(i: number): string {
    return this.links[i].name;
  }

  get linkCount(): number {
    return this.links.length;
  }

  /** A route across these links (indices), as a channel a migration sends through. */
  path(route: readonly number[]): FabricPath {
    if (route.length === 0) throw new Error('internal: an empty route');
    const links = route.map((i) => this.links[i]);
    const latency = links.reduce((a, l) => a + l.latencySeconds, 0);
    let narrowest = route[0];
    for (const i of route) if (this.links[i].capacityBytesPerSecond < this.links[narrowest].capacityBytesPerSecond) narrowest = i;
    const windows = links.map((l) => l.tcpWindowBytes).filter((w): w is number => w !== null);
    const windowBound = windows.length && latency > 0 ? Math.min(...windows) / (2 * latency) : Infinity;
    return new FabricPath(this, Int32Array.from(route), narrowest, this.links[narrowest].capacityBytesPerSecond, latency, windowBound);
  }

  /** Per link that carried anything: its bytes and peak utilisation (background included). */
  linkStats(): LinkStats[] {
    this.settle();
    return this.links.filter((l) => l.bytes > 0).map((l) => ({ name: l.name, bandwidthBitsPerSecond: l.bandwidthBytesPerSecond * 8, bytes: l.bytes, peakUtilisation: l.peakUtilisation }));
  }

  /** Transfers now crossing link `i`. */
  transfersOn(i: number): number {
    return this.links[i].transfers;
  }

  send(path: FabricPath, bytes: number, capBytesPerSecond: number, onDone: () => void): FabricTransfer {
    const t = new FabricTransfer(this.nextId++, bytes, Math.min(capBytesPerSecond, path.windowBoundBytesPerSecond), path, onDone);
    if (t.remainingBytes === 0) {
      t.arriving = this.sim.schedule(path.latencySeconds, () => { t.active = false; onDone(); });
      return t;
    }
    this.settle();
    this.active.push(t);
    for (const i of path.route) this.links[i].transfers++;
    this.changed();
    return t;
  }

  abort(t: FabricTransfer): number {
    if (!t.active) return t.bytes - t.remainingBytes;
    t.active = false;
    if (t.arriving) { this.sim.cancel(t.arriving); return t.bytes; }
    this.settle();
    this.remove([t]);
    this.changed();
    return t.bytes - t.remainingBytes;
  }

  /** Accounts the bytes every transfer sent since the last change. */
  private settle(): void {
    const now = this.sim.nowSeconds;
    const dt = now - this.lastSettleSeconds;
    if (dt > 0) {
      const links = this.links;
      for (const t of this.active) {
        const sent = Math.min(t.remainingBytes, t.rateBytesPerSecond * dt);
        t.remainingBytes -= sent;
        for (const i of t.path.route) links[i].bytes += sent;
      }
    }
    this.lastSettleSeconds = now;
  }

  private remove(gone: FabricTransfer[]): void {
    for (const t of gone) for (const i of t.path.route) this.links[i].transfers--;
    const set = new Set(gone);
    this.active = this.active.filter((t) => !set.has(t));
  }

  /** Something changed at this instant: recompute once, after every other event of the instant. */
  private changed(): void {
    if (this.pending) return;
    this.pending = this.sim.schedule(0, () => { this.pending = null; this.reallocate(); });
  }

  private reallocate(): void {
    this.settle();
    this.reallocations++;
    const active = this.active;
    if (this.nextEnd) { this.sim.cancel(this.nextEnd); this.nextEnd = null; }
    if (active.length === 0) return;
    const links = this.links;
    // Progressive filling. Only links with transfers take part.
    const used: FabricLink[] = [];
    for (const t of active) {
      t.frozen = false;
      for (const i of t.path.route) {
        const l = links[i];
        if (l.unfrozen === 0) { l.left = l.capacityBytesPerSecond; used.push(l); }
        l.unfrozen++;
      }
    }
    // Transfers by cap, smallest first (those with a finite cap only).
    const capped = active.filter((t) => Number.isFinite(t.capBytesPerSecond)).sort((a, b) => a.capBytesPerSecond - b.capBytesPerSecond || a.id - b.id);
    let capIndex = 0;
    let unfrozen = active.length;
    const freeze = (t: FabricTransfer, rate: number): void => {
      t.frozen = true;
      t.rateBytesPerSecond = rate;
      unfrozen--;
      for (const i of t.path.route) { const l = links[i]; l.left -= rate; l.unfrozen--; }
    };
    while (unfrozen > 0) {
      let share = Infinity;
      for (const l of used) if (l.unfrozen > 0) { const s = Math.max(0, l.left) / l.unfrozen; if (s < share) share = s; }
      while (capIndex < capped.length && capped[capIndex].frozen) capIndex++;
      const cap = capIndex < capped.length ? capped[capIndex].capBytesPerSecond : Infinity;
      if (cap <= share) { freeze(capped[capIndex], cap); continue; }
      // Every link at this share (within rounding) is a bottleneck: freeze its transfers at the share.
      const limit = share * (1 + SAME_INSTANT);
      const bottlenecks = used.filter((l) => l.unfrozen > 0 && Math.max(0, l.left) / l.unfrozen <= limit);
      for (const l of bottlenecks) l.unfrozen = -l.unfrozen; // mark (negated count) while its transfers are frozen
      for (const t of active) {
        if (t.frozen) continue;
        let hit = false;
        for (const i of t.path.route) if (links[i].unfrozen < 0) { hit = true; break; }
        if (!hit) continue;
        t.frozen = true;
        t.rateBytesPerSecond = share;
        unfrozen--;
        for (const i of t.path.route) { const l = links[i]; l.left -= share; l.unfrozen += l.unfrozen < 0 ? 1 : -1; }
      }
      for (const l of bottlenecks) l.unfrozen = -l.unfrozen;
    }
    for (const l of used) {
      l.unfrozen = 0;
      const u = l.bandwidthBytesPerSecond > 0 ? (l.bandwidthBytesPerSecond - Math.max(0, l.left)) / l.bandwidthBytesPerSecond : 0;
      if (u > l.peakUtilisation) l.peakUtilisation = Math.min(1, u);
    }
    // One event: the next end of data.
    let first = Infinity;
    for (const t of active) if (t.rateBytesPerSecond > 0) first = Math.min(first, t.remainingBytes / t.rateBytesPerSecond);
    if (Number.isFinite(first)) this.nextEnd = this.sim.schedule(first, () => { this.nextEnd = null; this.endData(); });
  }

  /** The transfers whose data has all left now: each arrives one route latency later. */
  private endData(): void {
    this.settle();
    const now = this.sim.nowSeconds;
    const done = this.active.filter((t) => t.rateBytesPerSecond > 0 && t.remainingBytes <= t.rateBytesPerSecond * SAME_INSTANT * Math.max(1, now));
    for (const t of done) t.remainingBytes = 0;
    this.remove(done);
    this.changed();
    for (const t of done) {
      const arrive = (): void => { t.arriving = null; t.active = false; t.onDone(); };
      if (t.path.latencySeconds > 0) t.arriving = this.sim.schedule(t.path.latencySeconds, arrive);
      else arrive();
    }
  }
}

/** A route across a fabric's links, as a channel (see Channel). */
export class FabricPath implements Channel {
  constructor(
    private readonly fabric: Fabric,
    readonly route: Int32Array,
    /** The route's narrowest link. */
    readonly narrowestLink: number,
    readonly bandwidthBytesPerSecond: number,
    readonly latencySeconds: number,
    readonly windowBoundBytesPerSecond: number,
  ) {}

  soloRate(capBytesPerSecond = Infinity): number {
    return Math.min(this.bandwidthBytesPerSecond, capBytesPerSecond, this.windowBoundBytesPerSecond);
  }

  get activeTransfers(): number {
    return this.fabric.transfersOn(this.narrowestLink);
  }

  send(bytes: number, capBytesPerSecond: number, onDone: () => void): FabricTransfer {
    return this.fabric.send(this, bytes, capBytesPerSecond, onDone);
  }

  abort(t: TransferHandle): number {
    return this.fabric.abort(t as FabricTransfer);
  }
}
