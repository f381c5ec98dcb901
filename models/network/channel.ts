/**
 * What a migration sends through: one link (`Link`, the single-guest case) or a route across a
 * topology's links (`FabricPath`, fleets). The policies and phases see only this.
 * Units: bytes and bytes per second, seconds.
 */
export interface Channel {
  /** The route's narrowest link, bytes/s (its capacity left after background traffic). */
  readonly bandwidthBytesPerSecond: number;
  /** One-way latency of the route (the sum over its links). */
  readonly latencySeconds: number;
  /** The rate a new transfer with this cap would get if nothing else used the route. */
  soloRate(capBytesPerSecond?: number): number;
  /** Transfers now using the route's narrowest link. */
  readonly activeTransfers: number;
  /** Starts sending `bytes` at most at `capBytesPerSecond`; `onDone` fires when the last byte has arrived. */
  send(bytes: number, capBytesPerSecond: number, onDone: () => void): TransferHandle;
  /** Stops a transfer now; returns the bytes it had sent. */
  abort(t: TransferHandle): number;
}

/** A transfer in flight, as the sender holds it (opaque outside the channel that made it). */
export interface TransferHandle {
  readonly bytes: number;
}
