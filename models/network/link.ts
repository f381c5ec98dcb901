import type { ScheduledEvent } from '../../sim/eventQueue.ts';
import type { Simulator } from '../../sim/simulator.ts';

/**
 * A network path between two hosts, shared by concurrent transfers with max-min fairness
 * (progressive filling): every active transfer gets an equal share of the bandwidth, except that a
 * transfer whose own cap is lower keeps to its cap and leaves the rest to the others.
 *
 * A transfer's cap is the smaller of its rate limit and, when a TCP window is configured, the
 * window bound window / RTT with RTT = 2 × latency (the bound SimGrid also applies). A transfer of
 * V bytes finishes when its last byte has been sent plus one latency (propagation of the last
 * byte), so a lone transfer takes latency + V / rate, as in SimGrid's model. A lone transfer's end
 * is one event (last byte + latency), the common case of one migration on its link; a transfer
 * joining before that event takes the link back to per-transfer events.
 *
 * Units: bandwidth in bits per second at the API, bytes per second inside.
 */
export interface LinkSpec {
  bandwidthBitsPerSecond: number;
  latencySeconds: number;
  /** Optional TCP window in bytes; null = no window bound. */
  tcpWindowBytes: number | null;
}

/**
 * One transfer on a link. A class rather than an object literal for speed: V8 gives every number
 * field the representation of its first value, and an integer-valued first value (a rate of 0, a
 * whole number of bytes) is then widened to a double on the first fractional store. For an object
 * literal that widening repeats on every new object (≈ 50 ns each; measured on Node 20 with
 * `--trace-migration`: one per transfer, which made QEMU's many small sends 3× slower); a class's
 * constructor adopts the widened layout once.
 */
export class Transfer {
  remainingBytes: number;
  rateBytesPerSecond = 0;
  event: ScheduledEvent | null = null;
  active = true;
  /** Alone on the link: when its last byte leaves (its event is then the arrival, one latency later). */
  loneDataEndSeconds: number | null = null;

  constructor(
    readonly id: number,
    readonly bytes: number,
    public capBytesPerSecond: number,
    readonly startSeconds: number,
    readonly onDone: (t: Transfer) => void,
  ) {
    this.remainingBytes = Math.max(0, bytes);
  }
}

export class Link {
  readonly bandwidthBytesPerSecond: number;
  readonly latencySeconds: number;
  readonly windowBoundBytesPerSecond: number;
  private readonly active: Transfer[] = [];
  private lastUpdateSeconds = 0;
  private nextId = 0;

  constructor(private readonly sim: Simulator, spec: LinkSpec) {
    this.bandwidthBytesPerSecond = spec.bandwidthBitsPerSecond / 8;
    this.latencySeconds = spec.latencySeconds;
    this.windowBoundBytesPerSecond = spec.tcpWindowBytes !== null && spec.latencySeconds > 0 ? spec.tcpWindowBytes / (2 * spec.latencySeconds) : Infinity;
  }

  /** The rate a new lone transfer with this cap would get (bytes/s). */
  soloRate(capBytesPerSecond = Infinity): number {
    return Math.min(this.bandwidthBytesPerSecond, capBytesPerSecond, this.windowBoundBytesPerSecond);
  }

  get activeTransfers(): number {
    this.settle();
    return this.active.length;
  }

  /** Starts sending `bytes`; `onDone` fires when the last byte has arrived. */
  send(bytes: number, capBytesPerSecond: number, onDone: (t: Transfer) => void): Transfer {
    const t = new Transfer(this.nextId++, bytes, Math.min(capBytesPerSecond, this.windowBoundBytesPerSecond), this.sim.nowSeconds, onDone);
    if (t.remainingBytes === 0) {
      t.event = this.sim.schedule(this.latencySeconds, () => { t.active = false; onDone(t); });
      return t;
    }
    this.settle();
    this.active.push(t);
    this.reallocate();
    return t;
  }

  /** Changes a transfer's cap (e.g. a rate limit lifted at switchover). */
  setCap(t: Transfer, capBytesPerSecond: number): void {
    if (!t.active) return;
    this.settle();
    t.capBytesPerSecond = Math.min(capBytesPerSecond, this.windowBoundBytesPerSecond);
    this.reallocate();
  }

  /** Stops a transfer now; returns the bytes it had sent. */
  abort(t: Transfer): number {
    if (!t.active) return t.bytes - t.remainingBytes;
    t.active = false;
    if (t.event) this.sim.cancel(t.event);
    const i = this.active.indexOf(t);
    if (i < 0) return t.bytes; // data already delivered, only the last byte's latency was left
    this.settle();
    const j = this.active.indexOf(t);
    if (j < 0) return t.bytes; // a lone transfer whose last byte left while settling
    this.active.splice(j, 1);
    const sent = t.bytes - t.remainingBytes;
    this.reallocate();
    return sent;
  }

  /** Accounts the bytes sent by every active transfer since the last change. */
  private settle(): void {
    const now = this.sim.nowSeconds;
    const dt = now - this.lastUpdateSeconds;
    if (dt > 0) {
      for (const t of this.active) t.remainingBytes = Math.max(0, t.remainingBytes - t.rateBytesPerSecond * dt);
    }
    this.lastUpdateSeconds = now;
    // A lone transfer whose last byte has left no longer uses the link; its event is its arrival.
    const lone = this.active.length === 1 ? this.active[0] : null;
    if (lone && lone.loneDataEndSeconds !== null && now >= lone.loneDataEndSeconds) {
      lone.remainingBytes = 0;
      this.active.pop();
    }
  }

  private reallocate(): void {
    const active = this.active;
    const n = active.length;
    if (n === 0) return;
    if (n === 1) {
      const t = active[0];
      t.rateBytesPerSecond = Math.min(this.bandwidthBytesPerSecond, t.capBytesPerSecond);
    } else {
      // Progressive filling: satisfy the smallest caps first, share the rest equally.
      const order = active.slice().sort((a, b) => a.capBytesPerSecond - b.capBytesPerSecond || a.id - b.id);
      let left = this.bandwidthBytesPerSecond;
      for (let i = 0; i < n; i++) {
        const share = left / (n - i);
        const t = order[i];
        t.rateBytesPerSecond = Math.min(share, t.capBytesPerSecond);
        left -= t.rateBytesPerSecond;
      }
    }
    for (const t of active) {
      if (t.event) this.sim.cancel(t.event);
      t.loneDataEndSeconds = null;
      const dataSeconds = t.rateBytesPerSecond > 0 ? t.remainingBytes / t.rateBytesPerSecond : Infinity;
      if (!Number.isFinite(dataSeconds)) { t.event = null; continue; }
      if (n === 1) {
        // Alone: one event, at the last byte's arrival.
        const dataEnd = this.sim.nowSeconds + dataSeconds;
        t.loneDataEndSeconds = dataEnd;
        t.event = this.sim.at(dataEnd + this.latencySeconds, () => this.arriveLone(t));
      } else t.event = this.sim.schedule(dataSeconds, () => this.finishData(t));
    }
  }

  private arriveLone(t: Transfer): void {
    if (this.active[0] === t) this.settle(); // its last byte has left: it leaves the link
    t.remainingBytes = 0;
    t.event = null;
    t.active = false;
    t.onDone(t);
  }

  private finishData(t: Transfer): void {
    this.settle();
    t.remainingBytes = 0;
    const i = this.active.indexOf(t);
    if (i >= 0) this.active.splice(i, 1);
    t.event = null;
    this.reallocate();
    const done = (): void => { t.active = false; t.onDone(t); };
    if (this.latencySeconds > 0) t.event = this.sim.schedule(this.latencySeconds, done);
    else done();
  }
}
