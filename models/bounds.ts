/**
 * Every bound miglab puts on an input or a run, declared once. Each is checked before any work
 * starts where it can be (file sizes, planned runs, pages, checkpoints), else while the run goes
 * (events, rounds), and each refusal names the bound, the value that broke it, and how to get
 * under it (or raise it, where raising it is legitimate). README "Bounds" lists them; a test keeps
 * the two in step.
 *
 * Why these numbers: each keeps one run or one sweep plan within about 1 GiB of memory and a few
 * minutes of one core on a laptop, while staying far above anything the project's scenarios, the
 * literature's experiments or a 300,000-run sweep need.
 */
export interface Bound {
  readonly value: number;
  readonly unit: string;
  readonly what: string;
  /** How a user gets under the bound, or raises it. */
  readonly remedy: string;
}

const MIB = 1024 * 1024;

export const BOUNDS = {
  inputFileBytes: { value: 16 * MIB, unit: 'bytes', what: 'size of a scenario, sweep or hosts file', remedy: 'scenarios are small JSON objects; put large data in a trace file' },
  traceFileBytes: { value: 512 * MIB, unit: 'bytes', what: 'size of a dirty-page trace file', remedy: 'shorten the trace or use repeat: true' },
  tracePageWrites: { value: 64 * MIB, unit: 'page writes', what: 'page writes a trace lists (ranges expanded), held as 4-byte integers', remedy: 'shorten the trace or use repeat: true' },
  csvFileBytes: { value: 512 * MIB, unit: 'bytes', what: 'size of a CSV read by summarize, plot or validate', remedy: 'summarize or plot a part of the sweep (e.g. one shard)' },
  jsonDepth: { value: 64, unit: 'levels', what: 'nesting depth of a JSON input (the schemas nest at most 8 deep)', remedy: 'nothing legitimate nests deeper' },
  designPoints: { value: 1_000_000, unit: 'design points', what: 'design points of one sweep (held in memory by every worker)', remedy: 'fewer axis values or samples; more replicates per point do not count here' },
  sweepRuns: { value: 10_000_000, unit: 'runs', what: 'runs one sweep plans (points × replicates)', remedy: 'pass --max-runs N to sweep if the disk and time are there (≈ 300 bytes of CSV per run)' },
  workersPerCore: { value: 4, unit: 'threads per core', what: 'computing threads of a local sweep per core of this machine', remedy: 'more threads than cores only costs memory (≈ 30 MiB each)' },
  slurmWorkers: { value: 1024, unit: 'threads', what: 'threads per Slurm task (--cpus-per-task)', remedy: 'use more --tasks instead' },
  eventsPerRun: { value: 20_000_000, unit: 'events', what: 'simulation events of one run (≈ 10–60 s of one core)', remedy: 'lower limits.maxTimeSeconds, or use onTimeout to end a migration that does not converge' },
  roundsPerRun: { value: 1_000_000, unit: 'rounds', what: 'rounds recorded in one run, all migrations together (≈ 150 bytes each)', remedy: 'lower limits.maxTimeSeconds' },
  workloadStepsPerRun: { value: 10_000_000, unit: 'steps', what: 'phases or trace intervals a repeating workload can play in one run (up to migration.startSeconds + setupSeconds + limits.maxTimeSeconds)', remedy: 'longer phases or trace intervals, or a lower limits.maxTimeSeconds' },
  workloadCells: { value: 16_777_216, unit: 'cells', what: 'phases × memory segments of a compiled workload (a rate per cell, 8 bytes each: 128 MiB)', remedy: 'fewer phases, or phases sharing their page ranges' },
  checkpointsPerRun: { value: 100_000, unit: 'checkpoints', what: 'checkpoints taken before the migration or failure', remedy: 'a longer checkpoint.intervalSeconds or an earlier migration.startSeconds' },
  checkpointPageScans: { value: 10_000_000_000, unit: 'page scans', what: 'work of page-level checkpoints (checkpoints × guest pages, ≈ 4 ns each: ≈ 40 s)', remedy: 'fidelity "fluid", or fewer checkpoints' },
  pageLevelPages: { value: 2 ** 27, unit: 'pages', what: 'guest pages simulated page by page, all migrations together (512 GiB; ≈ 12 bytes per page)', remedy: 'use fidelity "fluid" for larger guests or fleets' },
  fleetHosts: { value: 100_000, unit: 'hosts', what: 'hosts of one fleet topology (each with its links in memory)', remedy: 'model fewer hosts (racks × hostsPerRack, a smaller k)' },
  fleetGuests: { value: 1_000_000, unit: 'guests', what: 'guests of one fleet (each a resolved scenario in memory, ≈ 2 KB)', remedy: 'split the fleet into several runs' },
} as const satisfies Record<string, Bound>;

export type BoundName = keyof typeof BOUNDS;

/** The sentence a refusal ends with: the bound, its value, and the remedy. */
export function boundText(name: BoundName): string {
  const b = BOUNDS[name];
  return `miglab's bound on the ${b.what} is ${b.value.toLocaleString('en-US')} ${b.unit} (models/bounds.ts ${name}); ${b.remedy}`;
}
