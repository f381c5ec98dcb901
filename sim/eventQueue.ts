/**
 * Binary min-heap of timed events. Ordering: earlier time first; equal times fire in the order
 * they were scheduled (a monotonically increasing sequence number breaks ties), so a run is
 * deterministic whatever the heap's internal layout.
 */
export interface ScheduledEvent {
  readonly timeSeconds: number;
  readonly sequence: number;
  readonly action: () => void;
  cancelled: boolean;
}

export class EventQueue {
  private heap: ScheduledEvent[] = [];
  private nextSequence = 0;

  get size(): number {
    return this.heap.length;
  }

  push(timeSeconds: number, action: () => void): ScheduledEvent {
    const event: ScheduledEvent = { timeSeconds, sequence: this.nextSequence++, action, cancelled: false };
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = event;
    return event;
  }

  peek(): ScheduledEvent | undefined {
    return this.heap[0];
  }

  pop(): ScheduledEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && before(heap[right], heap[left]) ? right : left;
        if (!before(heap[child], last)) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.timeSeconds < b.timeSeconds || (a.timeSeconds === b.timeSeconds && a.sequence < b.sequence);
}
