import { InputError } from '../input/errors.ts';
import { Fabric } from '../network/fabric.ts';
import type { BackgroundSpec, TopologySpec } from './spec.ts';

/**
 * A fleet's topology built into a fabric: its hosts, and the route (links, in order) from any host
 * to any other. Links are one-directional; a host's NIC is an up and a down link.
 *  - shared-link: every route is the one link (SimGrid's and concurrentMigrations' setting);
 *  - star: source up, target down, through one non-blocking switch;
 *  - racks: hosts under top-of-rack switches whose uplinks (possibly oversubscribed) meet in a
 *    non-blocking core: within a rack NIC up, NIC down; across racks NIC up, rack uplink up, the
 *    other rack's uplink down, NIC down;
 *  - fat-tree (Al-Fares et al., SIGCOMM 2008): k pods of k/2 edge and k/2 aggregation switches,
 *    (k/2)² core switches; host → edge → (aggregation → (core → aggregation) →) edge → host, one of
 *    the equal-cost paths chosen by hashing the host pair (a deterministic ECMP);
 *  - explicit: the links and routes the file gives.
 */
export interface BuiltTopology {
  fabric: Fabric;
  hosts: string[];
  hostIndex: Map<string, number>;
  /** Link indices from host `from` to host `to` (indices into `hosts`). */
  route(from: number, to: number): number[];
  /** Switches a byte crosses on the route (for the energy model). */
  switches(from: number, to: number): number;
}

/** How many hosts a topology has. */
export function topologyHostCount(t: TopologySpec): number {
  if (t.type === 'explicit') return t.hosts.length;
  return t.type === 'fat-tree' ? (t.hosts ?? (t.k * t.k * t.k) / 4) : t.type === 'racks' ? t.racks * t.hostsPerRack : t.hosts;
}

/** The hosts a topology has, by name: h0, h1, … (explicit: its own names). */
export function topologyHosts(t: TopologySpec): string[] {
  return t.type === 'explicit' ? t.hosts : Array.from({ length: topologyHostCount(t) }, (_, i) => `h${i}`);
}

export function buildTopology(fabric: Fabric, t: TopologySpec, background: BackgroundSpec[], file: string): BuiltTopology {
  const bg = new Map<string, number>();
  for (const b of background) bg.set(b.link, (bg.get(b.link) ?? 0) + b.bitsPerSecond);
  const add = (name: string, bandwidthBitsPerSecond: number, latencySeconds: number, tcpWindowBytes: number | null = null): number =>
    fabric.addLink({ name, bandwidthBitsPerSecond, latencySeconds, tcpWindowBytes, backgroundBitsPerSecond: bg.get(name) ?? 0 });
  const hosts = topologyHosts(t);
  let built: Omit<BuiltTopology, 'fabric' | 'hostIndex' | 'hosts'>;
  switch (t.type) {
    case 'shared-link': {
      const link = add('link', t.bandwidthBitsPerSecond, t.latencySeconds, t.tcpWindowBytes);
      built = { route: () => [link], switches: () => 0 };
      break;
    }
    case 'star': {
      const up: number[] = [], down: number[] = [];
      for (let h = 0; h < t.hosts; h++) { up.push(add(`h${h}-up`, t.nicBitsPerSecond, t.nicLatencySeconds)); down.push(add(`h${h}-down`, t.nicBitsPerSecond, t.nicLatencySeconds)); }
      built = { route: (a, b) => [up[a], down[b]], switches: () => 1 };
      break;
    }
    case 'racks': {
      // Hosts under top-of-rack switches; racks joined by their uplinks through a non-blocking core.
      const up: number[] = [], down: number[] = [], rackUp: number[] = [], rackDown: number[] = [];
      for (let r = 0; r < t.racks; r++) { rackUp.push(add(`rack${r}-up`, t.uplinkBitsPerSecond, t.uplinkLatencySeconds)); rackDown.push(add(`rack${r}-down`, t.uplinkBitsPerSecond, t.uplinkLatencySeconds)); }
      for (let h = 0; h < hosts.length; h++) { up.push(add(`h${h}-up`, t.nicBitsPerSecond, t.nicLatencySeconds)); down.push(add(`h${h}-down`, t.nicBitsPerSecond, t.nicLatencySeconds)); }
      const rack = (h: number): number => Math.floor(h / t.hostsPerRack);
      const route = (a: number, b: number): number[] => (rack(a) === rack(b) ? [up[a], down[b]] : [up[a], rackUp[rack(a)], rackDown[rack(b)], down[b]]);
      built = { route, switches: (a, b) => (rack(a) === rack(b) ? 1 : 3) };
      break;
    }
    case 'fat-tree':
      built = fatTree(t.k, hosts.length, t.linkBitsPerSecond, t.linkLatencySeconds, add, file);
      break;
    case 'explicit': {
      const linkByName = new Map<string, number>();
      t.links.forEach((l, i) => {
        if (linkByName.has(l.name)) throw new InputError(`${file}: topology.links[${i}].name: expected each link once, got ${JSON.stringify(l.name)} twice`);
        linkByName.set(l.name, add(l.name, l.bandwidthBitsPerSecond, l.latencySeconds, l.tcpWindowBytes));
      });
      const hostSet = new Set(t.hosts);
      const routes = new Map<string, number[]>();
      t.routes.forEach((r, i) => {
        for (const [k, h] of [['from', r.from], ['to', r.to]] as const) if (!hostSet.has(h)) throw new InputError(`${file}: topology.routes[${i}].${k}: expected one of the topology's hosts (${t.hosts.join(', ')}), got ${JSON.stringify(h)}`);
        const ids = r.links.map((n, j) => {
          const id = linkByName.get(n);
          if (id === undefined) throw new InputError(`${file}: topology.routes[${i}].links[${j}]: expected one of the topology's links, got ${JSON.stringify(n)}`);
          return id;
        });
        routes.set(`${r.from}\u0000${r.to}`, ids);
      });
      built = {
        route: (a, b) => {
          const r = routes.get(`${hosts[a]}\u0000${hosts[b]}`);
          if (!r) throw new InputError(`${file}: topology.routes: expected a route from ${hosts[a]} to ${hosts[b]} (the plan moves a guest along it), got none`);
          return r;
        },
        switches: (a, b) => Math.max(0, (routes.get(`${hosts[a]}\u0000${hosts[b]}`)?.length ?? 1) - 1),
      };
      break;
    }
  }
  for (const name of bg.keys()) if (fabric.linkIndex(name) === undefined) throw new InputError(`${file}: background: expected the name of one of the topology's links (e.g. ${fabric.linkName(0)}), got ${JSON.stringify(name)}`);
  return { ...built, hosts, fabric, hostIndex: new Map(hosts.map((h, i) => [h, i])) };
}

function fatTree(k: number, n: number, bps: number, latency: number, add: (name: string, bps: number, latency: number) => number, file: string): Omit<BuiltTopology, 'fabric' | 'hostIndex' | 'hosts'> {
  const half = k / 2, maxHosts = (k * k * k) / 4;
  if (n > maxHosts) throw new InputError(`${file}: topology.hosts: expected at most k³/4 = ${maxHosts} hosts for k = ${k}, got number ${n}`);
  // Host h: pod p = h / (k²/4), edge e = (h / half) % half within the pod.
  const podOf = (h: number): number => Math.floor(h / (half * half));
  const edgeOf = (h: number): number => Math.floor(h / half) % half;
  const hostUp: number[] = [], hostDown: number[] = [];
  for (let h = 0; h < n; h++) { hostUp.push(add(`h${h}-up`, bps, latency)); hostDown.push(add(`h${h}-down`, bps, latency)); }
  // Per pod, edge e ↔ aggregation a (up and down); aggregation a of pod p ↔ core c = a·half + j.
  const pods = Math.ceil(n / (half * half));
  const ea = new Map<string, number>(), ac = new Map<string, number>();
  for (let p = 0; p < pods; p++) {
    for (let e = 0; e < half; e++) for (let a = 0; a < half; a++) {
      ea.set(`${p} ${e} ${a} up`, add(`p${p}-e${e}-a${a}-up`, bps, latency));
      ea.set(`${p} ${e} ${a} down`, add(`p${p}-a${a}-e${e}-down`, bps, latency));
    }
    for (let a = 0; a < half; a++) for (let j = 0; j < half; j++) {
      ac.set(`${p} ${a} ${j} up`, add(`p${p}-a${a}-c${a * half + j}-up`, bps, latency));
      ac.set(`${p} ${a} ${j} down`, add(`c${a * half + j}-p${p}-a${a}-down`, bps, latency));
    }
  }
  const hash = (a: number, b: number): number => (Math.imul(a + 1, 0x9e3779b1) ^ Math.imul(b + 1, 0x85ebca6b)) >>> 0;
  const route = (s: number, d: number): number[] => {
    const ps = podOf(s), pd = podOf(d), es = edgeOf(s), ed = edgeOf(d);
    if (ps === pd && es === ed) return [hostUp[s], hostDown[d]];
    const x = hash(s, d), a = x % half;
    if (ps === pd) return [hostUp[s], ea.get(`${ps} ${es} ${a} up`)!, ea.get(`${pd} ${ed} ${a} down`)!, hostDown[d]];
    const j = Math.floor(x / half) % half;
    return [hostUp[s], ea.get(`${ps} ${es} ${a} up`)!, ac.get(`${ps} ${a} ${j} up`)!, ac.get(`${pd} ${a} ${j} down`)!, ea.get(`${pd} ${ed} ${a} down`)!, hostDown[d]];
  };
  return { route, switches: (s, d) => route(s, d).length - 1 };
}
