export { EventQueue, type ScheduledEvent } from './eventQueue.ts';
export { Simulator, Signal, type Process, type Yieldable } from './simulator.ts';
export { RandomStream, RandomStreams } from './random.ts';
