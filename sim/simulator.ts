import { EventQueue, type ScheduledEvent } from './eventQueue.ts';

/**
 * The simulated clock and its event loop. Time is in seconds (a double). Two styles are offered:
 * callbacks (`schedule`, `at`) and SimPy-like processes (`process`: a generator that yields a delay
 * in seconds or a `Signal` to wait for). The kernel knows nothing about virtual machines.
 */
/** Anything a process can wait on (a Signal). */
export interface Waitable {
  wait(callback: (value: unknown) => void): void;
}
export type Yieldable = number | Waitable;
export type Process = Generator<Yieldable, void, unknown>;

/** Thrown by `run` when a run fires more events than `maxEvents` allows. */
export class EventLimitError extends Error {
  constructor(readonly events: number, readonly atSeconds: number) {
    super(`the simulation fired ${events} events (its limit) by t = ${atSeconds} s`);
    this.name = 'EventLimitError';
  }
}

export class Simulator {
  nowSeconds = 0;
  /** `run` stops with an EventLimitError after this many events: a bound on a run's time. */
  maxEvents = Infinity;
  private readonly queue = new EventQueue();
  private stopped = false;
  /** Events fired so far (for benchmarks and sanity checks). */
  eventsFired = 0;

  /** Runs `action` after `delaySeconds` (≥ 0) of simulated time. */
  schedule(delaySeconds: number, action: () => void): ScheduledEvent {
    if (!(delaySeconds >= 0)) throw new RangeError(`Simulator.schedule: delay must be ≥ 0 seconds, got ${delaySeconds}`);
    return this.queue.push(this.nowSeconds + delaySeconds, action);
  }

  /** Runs `action` at absolute time `timeSeconds` (not in the past). */
  at(timeSeconds: number, action: () => void): ScheduledEvent {
    if (!(timeSeconds >= this.nowSeconds)) throw new RangeError(`Simulator.at: time ${timeSeconds} s is before now (${this.nowSeconds} s)`);
    return this.queue.push(timeSeconds, action);
  }

  cancel(event: ScheduledEvent): void {
    event.cancelled = true;
  }

  /** Starts a generator process now. Yield a number to sleep, a Signal to wait for it. */
  process(body: Process): void {
    const step = (value: unknown): void => {
      const next = body.next(value);
      if (next.done) return;
      const y = next.value;
      if (typeof y === 'number') this.schedule(y, () => step(undefined));
      else y.wait(step);
    };
    this.schedule(0, () => step(undefined));
  }

  /** Stops `run` after the current event. */
  stop(): void {
    this.stopped = true;
  }

  /** Fires events in order until the queue is empty, `stop()` is called, or the clock would pass `untilSeconds`. */
  run(untilSeconds = Infinity): number {
    this.stopped = false;
    const queue = this.queue;
    while (!this.stopped) {
      const next = queue.peek();
      if (next === undefined) break;
      if (next.timeSeconds > untilSeconds) {
        this.nowSeconds = untilSeconds;
        break;
      }
      queue.pop();
      if (next.cancelled) continue;
      this.nowSeconds = next.timeSeconds;
      if (++this.eventsFired > this.maxEvents) throw new EventLimitError(this.maxEvents, this.nowSeconds);
      next.action();
    }
    return this.nowSeconds;
  }

  get pendingEvents(): number {
    return this.queue.size;
  }
}

/** A one-shot condition processes can wait on (SimPy's Event). */
export class Signal<T> {
  private waiters: ((value: T) => void)[] = [];
  private fired = false;
  private value!: T;

  constructor(private readonly sim: Simulator) {}

  get triggered(): boolean {
    return this.fired;
  }

  trigger(value: T): void {
    if (this.fired) throw new Error('Signal.trigger: already triggered');
    this.fired = true;
    this.value = value;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) this.sim.schedule(0, () => w(value));
  }

  wait(callback: (value: T) => void): void {
    if (this.fired) this.sim.schedule(0, () => callback(this.value));
    else this.waiters.push(callback);
  }
}
