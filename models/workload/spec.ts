/**
 * Workload specifications as written in scenario files. Rates are page writes per second
 * (a write is one store that dirties a 4 KiB page); sizes are MiB of guest memory.
 * `recordBytesPerPage`: bytes of a per-page record the program updates with every write (a version,
 * a flag: the testbed's dirtier keeps 4 + 1), compiled as extra pages (models/workload/build.ts).
 * A sweep's `startPage`: the page of its buffer (in the order it writes them) its pointer writes
 * first when its phase begins — at time 0 for a workload of one phase.
 */
export type WorkloadSpec =
  | { type: 'idle' }
  | { type: 'uniform'; writesPerSecond: number; workingSetMiB?: number; offsetMiB?: number; recordBytesPerPage?: number }
  | { type: 'hotcold'; writesPerSecond: number; hotSetMiB: number; hotWriteFraction: number; workingSetMiB?: number; offsetMiB?: number; recordBytesPerPage?: number }
  | { type: 'sweep'; writesPerSecond: number; bufferMiB?: number; offsetMiB?: number; layoutFile?: string; startPage?: number; recordBytesPerPage?: number }
  | { type: 'zipf'; writesPerSecond: number; exponent?: number; workingSetMiB?: number; offsetMiB?: number; recordBytesPerPage?: number }
  | { type: 'phases'; repeat?: boolean; phases: { durationSeconds: number; workload: WorkloadSpec }[] }
  | { type: 'trace'; file: string; repeat?: boolean };

export type WorkloadType = WorkloadSpec['type'];
