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
 * Cost. Rates are recomputed once per simulated instant at which transfers start or end (all the
 * changes of one instant together, in one zero-delay event), and one event holds the next end of
 * data. A recomputation is local: it takes the transfers reachable from the links that changed
 * through saturated links only (a transfer's rate depends on the others' only through links
 * that are full), keeps every other rate, and gives the local transfers their max-min rates on
 * what the others leave of each link. If that fills a link that also carries transfers outside
 * the component (their rates would then have to change too), it recomputes everything instead.
 * Evacuating hosts whose NICs are the bottleneck costs a few transfers per change, not the fleet.
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

class FabricLink {
  /** Transfers crossing it now (each knows its slot here: FabricTransfer.slots). */
  readonly flows: FabricTransfer[] = [];
  /** Σ of its transfers' rates since the last recomputation, bytes/s. */
  rate = 0;
  /** Full in the current allocation (its transfers' rates depend on each other's). */
  saturated = false;
  /** Its slot in the fabric's list of links in use (−1: none). */
  usedSlot = -1;
  /** Scratch for a recomputation. */
  mark = false;
  inAlloc = false;
  left = 0;
  unfrozen = 0;
  local = 0;
  /** Bytes carried across it so far, and its highest utilisation (background included). */
  bytes = 0;
  peakUtilisation: number;
  constructor(
    readonly name: string,
    /** Bandwidth, and what background traffic leaves of it (bytes/s). */
    readonly bandwidthBytesPerSecond: number,
    readonly capacityBytesPerSecond: number,
    readonly latencySeconds: number,
    readonly tcpWindowBytes: number | null,
  ) {
    this.peakUtilisation = bandwidthBytesPerSecond > 0 ? 1 - capacityBytesPerSecond / bandwidthBytesPerSecond : 0;
  }
}

/** What crossed a link. */
export interface LinkStats { name: string; bandwidthBitsPerSecond: number; bytes: number; peakUtilisation: number }

/** One transfer (a class: see Link's Transfer for why). */
export class FabricTransfer implements TransferHandle {
  remainingBytes: number;
  rateBytesPerSecond = 0;
  active = true;
  /** Its index in the fabric's active list (−1: not there). */
  activeSlot = -1;
  /** Its index in each route link's `flows`, by route position (a plain array: typed arrays cost far more to allocate). */
  readonly slots: number[];
  /** Scratch for a recomputation. */
  inComp = false;
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
    this.slots = new Array<number>(path.route.length).fill(0);
  }
}

/** Relative tolerance of "ends now" and of "full": within it of the next end, or of a link's capacity. */
const SAME_INSTANT = 1e-12;
const FULL = 1e-9;

export class Fabric {
  private readonly links: FabricLink[] = [];
  private readonly byName = new Map<string, number>();
  private readonly active: FabricTransfer[] = [];
  /** Links with transfers on them. */
  private readonly used: FabricLink[] = [];
  /** Links whose set of transfers changed since the last recomputation. */
  private touched: FabricLink[] = [];
  private lastSettleSeconds = 0;
  private pending: ScheduledEvent | null = null;
  private nextEnd: ScheduledEvent | null = null;
  private nextId = 0;
  /** Recomputations of the rates so far, and how many of them had to take every transfer (tests, benchmarks). */
  reallocations = 0;
  globalReallocations = 0;

  constructor(private readonly sim: Simulator) {}

  addLink(spec: FabricLinkSpec): number {
    if (this.byName.has(spec.name)) throw new Error(`internal: link ${spec.name} added twice`);
    const capacity = Math.max(0, spec.bandwidthBitsPerSecond - (spec.backgroundBitsPerSecond ?? 0)) / 8;
    this.links.push(new FabricLink(spec.name, spec.bandwidthBitsPerSecond / 8, capacity, spec.latencySeconds, spec.tcpWindowBytes ?? null));
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
    if (new Set(route).size !== route.length) throw new Error('internal: a route crosses a link twice');
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
    return this.links[i].flows.length;
  }

  /** The current rate of every active transfer, by id (tests). */
  rates(): Map<number, number> {
    return new Map(this.active.map((t) => [t.id, t.rateBytesPerSecond]));
  }

  send(path: FabricPath, bytes: number, capBytesPerSecond: number, onDone: () => void): FabricTransfer {
    const t = new FabricTransfer(this.nextId++, bytes, Math.min(capBytesPerSecond, path.windowBoundBytesPerSecond), path, onDone);
    if (t.remainingBytes === 0) {
      const ev = this.sim.schedule(path.latencySeconds, () => { if (t.arriving === ev) arrived(t); });
      t.arriving = ev;
      return t;
    }
    // No settling needed: the new transfer's rate is 0 and no other rate changes before the recomputation.
    this.attach(t);
    this.changed();
    return t;
  }

  abort(t: FabricTransfer): number {
    if (!t.active) return t.bytes - t.remainingBytes;
    t.active = false;
    if (t.arriving) { t.arriving = null; return t.bytes; } // its arrival event (shared with others) now skips it
    this.settle();
    this.detach(t);
    this.changed();
    return t.bytes - t.remainingBytes;
  }

  private touch(l: FabricLink): void {
    if (!l.mark) { l.mark = true; this.touched.push(l); }
  }

  private attach(t: FabricTransfer): void {
    t.activeSlot = this.active.length;
    this.active.push(t);
    const route = t.path.route;
    for (let k = 0; k < route.length; k++) {
      const l = this.links[route[k]];
      t.slots[k] = l.flows.length;
      l.flows.push(t);
      if (l.usedSlot < 0) { l.usedSlot = this.used.length; this.used.push(l); }
      this.touch(l);
    }
  }

  private detach(t: FabricTransfer): void {
    const last = this.active.pop()!;
    if (last !== t) { this.active[t.activeSlot] = last; last.activeSlot = t.activeSlot; }
    t.activeSlot = -1;
    const route = t.path.route;
    for (let k = 0; k < route.length; k++) {
      const li = route[k], l = this.links[li];
      const moved = l.flows.pop()!;
      if (moved !== t) {
        const slot = t.slots[k];
        l.flows[slot] = moved;
        const mr = moved.path.route;
        for (let j = 0; j < mr.length; j++) if (mr[j] === li) { moved.slots[j] = slot; break; }
      }
      l.rate -= t.rateBytesPerSecond; // its share is free until the recomputation
      if (l.flows.length === 0) {
        l.rate = 0;
        l.saturated = false;
        const u = this.used.pop()!;
        if (u !== l) { this.used[l.usedSlot] = u; u.usedSlot = l.usedSlot; }
        l.usedSlot = -1;
      }
      this.touch(l);
    }
    t.rateBytesPerSecond = 0;
  }

  /** Accounts the bytes every transfer sent since the last change. */
  private settle(): void {
    const now = this.sim.nowSeconds;
    const dt = now - this.lastSettleSeconds;
    if (dt > 0) {
      for (const t of this.active) t.remainingBytes = Math.max(0, t.remainingBytes - t.rateBytesPerSecond * dt);
      for (const l of this.used) l.bytes += l.rate * dt;
    }
    this.lastSettleSeconds = now;
  }

  /** Something changed at this instant: recompute once, after every other event of the instant. */
  private changed(): void {
    if (this.pending) return;
    this.pending = this.sim.schedule(0, () => { this.pending = null; this.reallocate(); });
  }

  private reallocate(): void {
    this.settle();
    this.reallocations++;
    if (this.nextEnd) { this.sim.cancel(this.nextEnd); this.nextEnd = null; }
    const touched = this.touched;
    this.touched = [];
    for (const l of touched) l.mark = false;
    if (!this.allocate(this.component(touched), false)) {
      this.globalReallocations++;
      this.allocate(this.active.slice(), true);
    }
    // One event: the next end of data.
    let first = Infinity;
    for (const t of this.active) if (t.rateBytesPerSecond > 0) { const d = t.remainingBytes / t.rateBytesPerSecond; if (d < first) first = d; }
    if (Number.isFinite(first)) this.nextEnd = this.sim.schedule(first, () => { this.nextEnd = null; this.endData(); });
  }

  /** The transfers on the touched links, and on every saturated link reachable from them. */
  private component(touched: FabricLink[]): FabricTransfer[] {
    const comp: FabricTransfer[] = [];
    const queue: FabricLink[] = [];
    for (const l of touched) if (!l.mark) { l.mark = true; queue.push(l); }
    for (let q = 0; q < queue.length; q++) {
      for (const t of queue[q].flows) {
        if (t.inComp) continue;
        t.inComp = true;
        comp.push(t);
        for (const li of t.path.route) {
          const l = this.links[li];
          if (!l.mark && l.saturated) { l.mark = true; queue.push(l); }
        }
      }
    }
    for (const l of queue) l.mark = false;
    return comp;
  }

  /**
   * Max-min rates for `comp` (progressive filling) on what the other transfers leave of each link.
   * Returns false, changing nothing, when that fills a link that also carries transfers outside
   * `comp` (unless `all`): the caller then recomputes every transfer.
   */
  private allocate(comp: FabricTransfer[], all: boolean): boolean {
    const links = this.links;
    const allocLinks: FabricLink[] = [];
    for (const t of comp) {
      for (const li of t.path.route) {
        const l = links[li];
        if (!l.inAlloc) { l.inAlloc = true; l.left = l.capacityBytesPerSecond - (all ? 0 : l.rate); l.unfrozen = 0; l.local = 0; allocLinks.push(l); }
        if (!all) l.left += t.rateBytesPerSecond;
        l.unfrozen++;
        l.local++;
      }
    }
    const newRate = new Float64Array(comp.length);
    const capped = comp.map((_, i) => i).filter((i) => Number.isFinite(comp[i].capBytesPerSecond)).sort((a, b) => comp[a].capBytesPerSecond - comp[b].capBytesPerSecond || comp[a].id - comp[b].id);
    const index = new Map<FabricTransfer, number>();
    comp.forEach((t, i) => { index.set(t, i); t.frozen = false; t.inComp = true; });
    let capIndex = 0, unfrozen = comp.length;
    const freeze = (i: number, rate: number): void => {
      const t = comp[i];
      t.frozen = true;
      newRate[i] = rate;
      unfrozen--;
      for (const li of t.path.route) { const l = links[li]; l.left -= rate; l.unfrozen--; }
    };
    while (unfrozen > 0) {
      let share = Infinity;
      for (const l of allocLinks) if (l.unfrozen > 0) { const s = Math.max(0, l.left) / l.unfrozen; if (s < share) share = s; }
      while (capIndex < capped.length && comp[capped[capIndex]].frozen) capIndex++;
      if (capIndex < capped.length && comp[capped[capIndex]].capBytesPerSecond <= share) { freeze(capped[capIndex], comp[capped[capIndex]].capBytesPerSecond); continue; }
      // Every link at this share (within rounding) is a bottleneck: its transfers are frozen at the share.
      const limit = share * (1 + SAME_INSTANT);
      const bottlenecks = allocLinks.filter((l) => l.unfrozen > 0 && Math.max(0, l.left) / l.unfrozen <= limit);
      for (const l of bottlenecks) for (const t of l.flows) if (t.inComp && !t.frozen) freeze(index.get(t)!, share);
    }
    let ok = true;
    if (!all) {
      for (const l of allocLinks) if (l.flows.length > l.local && l.left <= FULL * l.capacityBytesPerSecond) { ok = false; break; }
    }
    for (const t of comp) t.inComp = false;
    if (ok) {
      for (let i = 0; i < comp.length; i++) comp[i].rateBytesPerSecond = newRate[i];
      for (const l of allocLinks) {
        l.rate = Math.max(0, l.capacityBytesPerSecond - Math.max(0, l.left));
        l.saturated = l.left <= FULL * l.capacityBytesPerSecond;
        const u = l.bandwidthBytesPerSecond > 0 ? (l.bandwidthBytesPerSecond - l.capacityBytesPerSecond + l.rate) / l.bandwidthBytesPerSecond : 0;
        if (u > l.peakUtilisation) l.peakUtilisation = Math.min(1, u);
      }
    }
    for (const l of allocLinks) l.inAlloc = false;
    return ok;
  }

  /** The transfers whose data has all left now: each arrives one route latency later. */
  private endData(): void {
    this.settle();
    const now = this.sim.nowSeconds;
    const done = this.active.filter((t) => t.rateBytesPerSecond > 0 && t.remainingBytes <= t.rateBytesPerSecond * SAME_INSTANT * Math.max(1, now));
    for (const t of done) { t.remainingBytes = 0; this.detach(t); }
    this.changed();
    // Their last bytes arrive one route latency later: one event for all that share a latency (in
    // the order they were found, as separate events at the same time would fire).
    let i = 0;
    while (i < done.length) {
      const latency = done[i].path.latencySeconds;
      let j = i + 1;
      while (j < done.length && done[j].path.latencySeconds === latency) j++;
      const group = done.slice(i, j);
      if (latency > 0) {
        const ev = this.sim.schedule(latency, () => { for (const t of group) if (t.arriving === ev) arrived(t); });
        for (const t of group) t.arriving = ev;
      } else for (const t of group) arrived(t);
      i = j;
    }
  }
}

function arrived(t: FabricTransfer): void {
  t.arriving = null;
  t.active = false;
  t.onDone();
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
