import type { Scenario } from '../scenario/types.ts';

/** A fleet file after schema validation and defaults (scenarios/fleet.schema.json). */
export type TopologySpec =
  | { type: 'shared-link'; hosts: number; bandwidthBitsPerSecond: number; latencySeconds: number; tcpWindowBytes: number | null }
  | { type: 'star'; hosts: number; nicBitsPerSecond: number; nicLatencySeconds: number }
  | { type: 'racks'; racks: number; hostsPerRack: number; nicBitsPerSecond: number; uplinkBitsPerSecond: number; nicLatencySeconds: number; uplinkLatencySeconds: number }
  | { type: 'fat-tree'; k: number; hosts?: number; linkBitsPerSecond: number; linkLatencySeconds: number }
  | { type: 'explicit'; hosts: string[]; links: { name: string; bandwidthBitsPerSecond: number; latencySeconds: number; tcpWindowBytes: number | null }[]; routes: { from: string; to: string; links: string[] }[] };

export interface BackgroundSpec { link: string; bitsPerSecond: number }

export type Draw = { uniform: [number, number] } | { logUniform: [number, number] } | { integer: [number, number] } | { choice: unknown[] };

export interface GuestGroupSpec {
  name?: string;
  count: number;
  hosts?: string[];
  template: Record<string, unknown>;
  vary: Record<string, Draw>;
}

export type PlanOrder = 'as-given' | 'smallest-memory-first' | 'largest-memory-first' | 'lowest-dirty-rate-first' | 'highest-dirty-rate-first';

export interface PlanSpec {
  evacuate?: string[];
  to?: string[];
  order: PlanOrder;
  maxConcurrent: { global?: number; perHost?: number; perLink?: number };
  migrations?: { guest: string; to: string; startSeconds: number; after: string[] }[];
}

export interface EnergySpec {
  hostIdleWatts: number;
  hostPeakWatts: number;
  cpuSharePerMigration: number;
  nicJoulesPerByte: number;
  switchJoulesPerByte: number;
}

export interface FleetSpec {
  name: string;
  description?: string;
  seed: number;
  fidelity: 'fluid' | 'page';
  topology: TopologySpec;
  background: BackgroundSpec[];
  guests: GuestGroupSpec[];
  plan: PlanSpec;
  energy?: EnergySpec;
}

/** One guest of the fleet: where it runs and its own resolved scenario. */
export interface FleetGuest {
  name: string;
  group: string;
  host: number;
  scenario: Scenario;
}

/** One planned migration: a guest to a host, not before `startSeconds` nor before `after` have ended. */
export interface PlannedMigration {
  guest: number;
  to: number;
  startSeconds: number;
  after: number[];
}
