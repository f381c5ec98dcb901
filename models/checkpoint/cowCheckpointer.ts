import type { Simulator } from '../../sim/simulator.ts';
import { PAGE_SIZE_BYTES } from '../units/pageSize.ts';
import { PageTracker } from '../memory/pageTracker.ts';
import { newTakeResult, type DirtyTracker } from '../memory/tracker.ts';
import type { Channel, TransferHandle } from '../network/channel.ts';
import type { WireFormat } from '../network/wire/types.ts';
import { dirtyFractions, type SegmentedWorkload } from '../workload/segments.ts';
import type { CheckpointParameters } from './parameters.ts';
import { lostSeconds, type GuestSlowdown } from '../guest/slowdown.ts';
import { cowFaultSlowdown } from '../guest/slowdowns/cowFaults.ts';

/**
 * Periodic copy-on-write checkpoints of a running guest to a DR site.
 *
 * At each checkpoint instant c the guest pauses (fixed cost + write-protect cost per dirty page),
 * the log is read (the first checkpoint takes every page), and those pages stream to the DR site
 * while the guest runs. A guest write to a page not yet streamed takes a COW fault: the old content
 * is copied into a buffer (fault + 4 KiB copy, stolen from the guest) and the old content is what is
 * sent, so the DR image is exactly the guest as of c. A checkpoint is complete when its last byte
 * arrives; only complete checkpoints count for migration and recovery.
 *
 * COW faults and buffer occupancy are expectations in closed form (both fidelities): the stream
 * sends the set in a uniformly random order over its duration S, so a page of segment s faults with
 * probability (1/S)∫₀^S P(written in [c, c+u]) du (16-point midpoint rule); the set is split among
 * segments in proportion to the expected dirtying since the previous checkpoint. At page level the
 * DR image is also kept page by page (version stamps) and checked against the guest's image as of c
 * whenever a checkpoint completes.
 */
export interface CheckpointRecord {
  index: number;
  instantSeconds: number;
  full: boolean;
  pages: number;
  bytes: number;
  pauseSeconds: number;
  streamSeconds: number;
  completeSeconds: number;
  cowFaults: number;
  peakBufferBytes: number;
  stolenCpuSeconds: number;
}

const QUADRATURE_POINTS = 16;

export class CowCheckpointer {
  readonly records: CheckpointRecord[] = [];
  /** Bytes of checkpoints that were aborted (the first, full one, when a migration pre-empts it). */
  abortedBytes = 0;
  private stopped = false;
  private streaming: { transfer: TransferHandle | null; instant: number; full: boolean } | null = null;
  private onStopped: ((lastInstant: number | null) => void) | null = null;
  private prevInstant = 0;
  private nextEvent: ReturnType<Simulator['schedule']> | null = null;
  private readonly scratch: Float64Array;
  private readonly drImage: Uint32Array | null;
  /** What each COW fault costs the guest. */
  private readonly cowFaultCost: GuestSlowdown;
  /** Number of DR-image consistency checks that passed. */
  consistencyChecks = 0;

  constructor(
    private readonly sim: Simulator,
    private readonly link: Channel,
    private readonly tracker: DirtyTracker,
    private readonly wire: WireFormat,
    private readonly workload: SegmentedWorkload | null,
    readonly params: CheckpointParameters,
  ) {
    this.cowFaultCost = cowFaultSlowdown(params);
    this.scratch = new Float64Array(workload ? workload.segmentPages.length : 0);
    this.drImage = tracker instanceof PageTracker && tracker.versions ? new Uint32Array(tracker.totalPages) : null;
  }

  start(): void {
    this.nextEvent = this.sim.at(Math.max(this.sim.nowSeconds, this.params.firstAtSeconds), () => this.checkpoint());
  }

  /** Instant of the last complete checkpoint (the DR image's time), or null. */
  get lastCompleteInstant(): number | null {
    return this.records.length ? this.records[this.records.length - 1].instantSeconds : null;
  }

  /**
   * Stops checkpointing (a migration wants the link and the log). An incremental checkpoint in
   * progress is allowed to finish; a first, full one is abandoned. Calls back with the instant of
   * the last complete checkpoint, or null when there is none.
   */
  stop(onStopped: (lastInstant: number | null) => void): void {
    this.stopped = true;
    if (this.nextEvent) { this.sim.cancel(this.nextEvent); this.nextEvent = null; }
    const s = this.streaming;
    if (s && s.full) {
      if (s.transfer) this.abortedBytes += this.link.abort(s.transfer);
      this.streaming = null;
      onStopped(null);
      return;
    }
    if (s) { this.onStopped = onStopped; return; }
    onStopped(this.lastCompleteInstant);
  }

  private checkpoint(): void {
    this.nextEvent = null;
    const c = this.sim.nowSeconds;
    const full = this.records.length === 0;
    const t = this.tracker;
    if (full) t.startTracking(c); // every page
    else t.sync(c); // pages written since the previous checkpoint
    const pages = t.pendingPages;
    const setList = this.drImage && t instanceof PageTracker ? t.pendingList() : null;
    const snapshot = setList && t instanceof PageTracker ? t.versions!.slice() : null;
    const take = newTakeResult();
    t.take(pages, false, c, take);
    const bytes = this.wire.bytes(take.pages, take.zeroPages);
    const pauseSeconds = this.params.pauseFixedSeconds + this.params.writeProtectSecondsPerPage * pages;
    const since = this.prevInstant;
    this.prevInstant = c;
    this.streaming = { transfer: null, instant: c, full };
    const cap = this.params.maxBandwidthBytesPerSecond ?? Infinity;
    this.sim.schedule(pauseSeconds, () => {
      if (!this.streaming || this.streaming.instant !== c) return; // abandoned during the pause
      this.streaming.transfer = this.link.send(bytes, cap, () => {
        const done = this.sim.nowSeconds;
        const streamSeconds = done - c - pauseSeconds;
        const { faults, peakBuffer } = this.cowCosts(full, since, c, pages, streamSeconds);
        const stolen = pauseSeconds + lostSeconds(this.cowFaultCost, faults);
        this.records.push({ index: this.records.length + 1, instantSeconds: c, full, pages, bytes, pauseSeconds, streamSeconds, completeSeconds: done, cowFaults: faults, peakBufferBytes: peakBuffer, stolenCpuSeconds: stolen });
        if (full) t.setBaseline();
        if (setList && snapshot) this.applyAndCheck(setList, snapshot, c);
        this.streaming = null;
        if (this.stopped) {
          const cb = this.onStopped;
          this.onStopped = null;
          if (cb) cb(this.lastCompleteInstant);
          return;
        }
        const due = c + this.params.intervalSeconds;
        let next = due;
        if (done > due) next = this.params.onOverrun === 'delay' ? done : c + Math.ceil((done - c) / this.params.intervalSeconds) * this.params.intervalSeconds;
        this.nextEvent = this.sim.at(Math.max(next, done), () => this.checkpoint());
      });
    });
  }

  /** Expected COW faults and peak buffer bytes of one checkpoint (closed form, see the class comment). */
  private cowCosts(full: boolean, since: number, c: number, pages: number, streamSeconds: number): { faults: number; peakBuffer: number } {
    const w = this.workload;
    if (!w || pages <= 0 || !(streamSeconds > 0)) return { faults: 0, peakBuffer: 0 };
    const nSeg = w.segmentPages.length;
    // Share of the checkpoint set in each segment.
    const share = new Float64Array(nSeg);
    if (full) for (let s = 0; s < nSeg; s++) share[s] = w.segmentPages[s] / w.totalPages;
    else {
      dirtyFractions(w, since, c, this.scratch);
      let total = 0;
      for (let s = 0; s < nSeg; s++) { share[s] = this.scratch[s] * w.segmentPages[s]; total += share[s]; }
      if (total <= 0) return { faults: 0, peakBuffer: 0 };
      for (let s = 0; s < nSeg; s++) share[s] /= total;
    }
    let faultProb = 0;
    let peak = 0;
    for (let k = 0; k < QUADRATURE_POINTS; k++) {
      const u = ((k + 0.5) / QUADRATURE_POINTS) * streamSeconds;
      dirtyFractions(w, c, c + u, this.scratch);
      let written = 0;
      for (let s = 0; s < nSeg; s++) written += share[s] * this.scratch[s];
      faultProb += written / QUADRATURE_POINTS;
      // Buffered at time u: pages not yet streamed (1 − u/S) that were written since c.
      peak = Math.max(peak, pages * (1 - u / streamSeconds) * written * PAGE_SIZE_BYTES);
    }
    return { faults: pages * faultProb, peakBuffer: peak };
  }

  /** Page level: install the checkpoint in the DR image and check it equals the guest as of c. */
  private applyAndCheck(setList: Int32Array, snapshot: Uint32Array, c: number): void {
    const dr = this.drImage!;
    for (let i = 0; i < setList.length; i++) dr[setList[i]] = snapshot[setList[i]];
    for (let p = 0; p < dr.length; p++) {
      if (dr[p] !== snapshot[p]) throw new Error(`DR image inconsistent after the checkpoint of t=${c} s: page ${p} has version ${dr[p]}, the guest had ${snapshot[p]}`);
    }
    this.consistencyChecks++;
  }

  /** The DR image (page versions) — page level only. */
  get drVersions(): Uint32Array | null {
    return this.drImage;
  }
}
