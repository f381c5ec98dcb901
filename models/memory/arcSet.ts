/**
 * A set of pages on a ring of `size` pages, as disjoint half-open intervals of real-valued page
 * offsets in [0, size), sorted. The fluid tracker keeps a sequential sweep's pending pages in one:
 * a sweep's dirt between two bitmap reads is an arc of its buffer (deterministic, not a
 * probability), and QEMU's scan takes pending pages in address order from where it stopped, so
 * which pages are pending — not only how many — decides how much the next arc overlaps them.
 * Lengths are in pages (real numbers, as everywhere at fluid fidelity).
 */
export class ArcSet {
  /** Flat [start0, end0, start1, end1, …], sorted, disjoint, not touching. */
  private bounds: number[] = [];

  constructor(readonly size: number) {}

  /** Pages in the set. */
  get pages(): number {
    let n = 0;
    for (let i = 0; i < this.bounds.length; i += 2) n += this.bounds[i + 1] - this.bounds[i];
    return n;
  }

  clear(): void {
    this.bounds = [];
  }

  fill(): void {
    this.bounds = [0, this.size];
  }

  /** Adds the arc of `length` pages starting at ring offset `start` (wrapping past the end); the whole ring when length ≥ size. */
  addArc(start: number, length: number): void {
    if (!(length > 0)) return;
    if (length >= this.size) { this.fill(); return; }
    const a = mod(start, this.size), b = a + length;
    if (b <= this.size) this.addInterval(a, b);
    else { this.addInterval(a, this.size); this.addInterval(0, b - this.size); }
  }

  /** Pages of the arc (`start`, `length`, wrapping) that are in the set. */
  overlapArc(start: number, length: number): number {
    if (!(length > 0)) return 0;
    if (length >= this.size) return this.pages;
    const a = mod(start, this.size), b = a + length;
    return b <= this.size ? this.overlap(a, b) : this.overlap(a, this.size) + this.overlap(0, b - this.size);
  }

  /**
   * Removes up to `count` pages in ring order from offset `from` (wrapping once around), as a scan
   * in address order does; returns where it stopped (the offset just past the last page removed,
   * or `from` when nothing was removed) and how many pages it removed.
   */
  takeFrom(from: number, count: number): { removed: number; next: number } {
    const start = mod(from, this.size);
    let left = count, at = start, removed = 0;
    if (!(left > EPSILON_PAGES) || this.bounds.length === 0) return { removed: 0, next: at };
    // Two sweeps of the sorted list: from `at` to the end, then from 0 to `at`.
    for (let lap = 0; lap < 2 && left > EPSILON_PAGES && this.bounds.length > 0; lap++) {
      const lo = lap === 0 ? start : 0, hi = lap === 0 ? this.size : start;
      const out: number[] = [];
      for (let i = 0; i < this.bounds.length; i += 2) {
        let s = this.bounds[i];
        const e = this.bounds[i + 1];
        if (left > EPSILON_PAGES && e > lo && s < hi) {
          // Keep the part below lo, remove from max(s, lo) onward as far as the count allows.
          if (s < lo) { out.push(s, lo); s = lo; }
          const take = Math.min(e, hi, s + left) - s;
          left -= take; removed += take;
          at = s + take;
          if (e - (s + take) > EPSILON_PAGES) out.push(s + take, e);
        } else out.push(s, e);
      }
      this.bounds = out;
    }
    if (at >= this.size) at -= this.size;
    return { removed, next: at };
  }

  /** Turns the set (and every offset with it) by `shift` pages around the ring. */
  rotate(shift: number): void {
    const k = mod(shift, this.size);
    if (k === 0 || this.bounds.length === 0) return;
    const old = this.bounds;
    this.bounds = [];
    for (let i = 0; i < old.length; i += 2) this.addArc(old[i] + k, old[i + 1] - old[i]);
  }

  private overlap(a: number, b: number): number {
    let n = 0;
    for (let i = 0; i < this.bounds.length; i += 2) {
      const s = Math.max(a, this.bounds[i]), e = Math.min(b, this.bounds[i + 1]);
      if (e > s) n += e - s;
    }
    return n;
  }

  private addInterval(a: number, b: number): void {
    if (!(b - a > EPSILON_PAGES)) return;
    const out: number[] = [];
    let placed = false;
    for (let i = 0; i < this.bounds.length; i += 2) {
      const s = this.bounds[i], e = this.bounds[i + 1];
      if (e < a) out.push(s, e);
      else if (s > b) {
        if (!placed) { out.push(a, b); placed = true; }
        out.push(s, e);
      } else { a = Math.min(a, s); b = Math.max(b, e); }
    }
    if (!placed) out.push(a, b);
    this.bounds = out;
  }
}

/** Below this, a count left over is rounding (a take's count is a difference of reals). */
const EPSILON_PAGES = 1e-6;

function mod(x: number, m: number): number {
  const r = x % m;
  return r < 0 ? r + m : r;
}
