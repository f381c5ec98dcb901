/**
 * An axis or legend title for a CSV column, with its unit (miglab's names carry the unit:
 * `totalTimeSeconds` → "total time (s)", `network.bandwidthBitsPerSecond` → "network bandwidth
 * (bit/s)", `vm.memoryMiB` → "vm memory (MiB)", `workload.writesPerSecond` → "workload writes (/s)").
 * A name with no known unit suffix is spaced out as it is.
 */
const UNITS: [RegExp, string][] = [
  [/BitsPerSecond$/, 'bit/s'], [/BytesPerSecond$/, 'B/s'], [/PerSecond$/, '/s'], [/Seconds$/, 's'],
  [/Bytes$/, 'B'], [/MiB$/, 'MiB'], [/Pages$/, 'pages'], [/Fraction$/, 'fraction'], [/Percent$/, '%'],
];

const words = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();

export function columnTitle(column: string): string {
  const parts = column.split('.');
  const last = parts.pop()!;
  for (const [re, unit] of UNITS) {
    if (re.test(last) && last.replace(re, '') !== '') return `${[...parts, words(last.replace(re, ''))].join(' ')} (${unit})`;
  }
  return [...parts, words(last)].join(' ');
}
