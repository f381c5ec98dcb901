/**
 * Something that takes time from the guest's vCPU (a plug-in orthogonal to the migration policy):
 * each unit of it — a network-bound post-copy fault, a COW fault — costs the guest
 * `secondsPerUnit` of wall time. Adding one (e.g. auto-converge's throttle: units = guest seconds,
 * cost p / (1 − p)) is a new file in slowdowns/ beside the two that exist, used by whatever causes
 * it; nothing in a policy changes.
 */
export interface GuestSlowdown {
  readonly name: string;
  /** Wall seconds the guest loses per unit. */
  readonly secondsPerUnit: number;
  /**
   * Units by guest time τ (seconds on the guest's own clock since the slowdown began), when they
   * depend on what the guest does (a GuestClock then solves wall = τ + Σ cost × units(τ)); absent
   * for slowdowns counted after the fact.
   */
  unitsBy?(guestSeconds: number): number;
}

/** Wall seconds `units` of `slowdown` cost the guest. */
export const lostSeconds = (slowdown: GuestSlowdown, units: number): number => units * slowdown.secondsPerUnit;
