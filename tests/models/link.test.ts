import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Simulator } from '../../sim/simulator.ts';
import { Link } from '../../models/network/link.ts';

// Link rules: a transfer of V bytes at rate r ends after V / r plus one latency; concurrent
// transfers share the bandwidth max-min fairly; a transfer whose last byte has left no longer
// uses the link, even before it arrives.
const B = 1000; // bytes per second
const L = 0.5; // seconds
const spec = { bandwidthBitsPerSecond: 8 * B, latencySeconds: L, tcpWindowBytes: null };
const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

test('a lone transfer ends after its bytes at the link rate plus one latency', () => {
  const sim = new Simulator();
  const link = new Link(sim, spec);
  let at = -1;
  link.send(2 * B, Infinity, () => { at = sim.nowSeconds; });
  sim.run();
  assert.ok(close(at, 2 + L), `${at}`);
  assert.is(link.activeTransfers, 0);
});

test('a transfer joining mid-flight halves both rates until one is done', () => {
  const sim = new Simulator();
  const link = new Link(sim, spec);
  const ends: number[] = [];
  link.send(2 * B, Infinity, () => ends.push(sim.nowSeconds));
  sim.at(1, () => link.send(2 * B, Infinity, () => ends.push(sim.nowSeconds)));
  sim.run();
  // First: 1 s alone (B bytes), then B bytes at B/2 → last byte at 3 s. Second: B bytes at B/2 by
  // 3 s, then its last B bytes alone → 4 s. Each arrives one latency later.
  assert.ok(close(ends[0], 3 + L) && close(ends[1], 4 + L), JSON.stringify(ends));
});

test('a transfer joining after the lone one\'s last byte left (before it arrives) gets the whole link', () => {
  const sim = new Simulator();
  const link = new Link(sim, spec);
  const ends: number[] = [];
  link.send(B, Infinity, () => ends.push(sim.nowSeconds));
  sim.at(1 + L / 2, () => {
    assert.is(link.activeTransfers, 0, 'the first transfer is only propagating');
    link.send(B, Infinity, () => ends.push(sim.nowSeconds));
  });
  sim.run();
  assert.ok(close(ends[0], 1 + L) && close(ends[1], 1 + L / 2 + 1 + L), JSON.stringify(ends));
});

test('aborting returns the bytes sent so far; after the last byte left, all of them', () => {
  const sim = new Simulator();
  const link = new Link(sim, spec);
  const t = link.send(4 * B, Infinity, () => assert.unreachable('aborted'));
  let sent = -1;
  sim.at(1.5, () => { sent = link.abort(t); });
  sim.run();
  assert.ok(close(sent, 1.5 * B), `${sent}`);
  const sim2 = new Simulator();
  const link2 = new Link(sim2, spec);
  const v = link2.send(B, Infinity, () => assert.unreachable('aborted'));
  let all = -1;
  sim2.at(1 + L / 2, () => { all = link2.abort(v); });
  sim2.run();
  assert.is(all, B);
});

test.run();
