import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { colorScale, lineFigure, measuredOnPredictedFigure, panelFigure, SERIES_COLORS } from '../../scripts/lib/figureStyle.ts';
import { renderSvg } from '../../scripts/lib/plot.ts';
import { formatMetric, predictedVsMeasuredSpec } from '../../scripts/lib/validationPlot.ts';

/** The paper figures' shared style (scripts/lib/figureStyle.ts), checked on the specs it builds, and rendered. */
const rows = [256, 512, 1024].flatMap((m) => ['pre-copy', 'COW checkpointing'].map((series) => ({ memoryMiB: m, series, mean: m / 10, ciLow: m / 11, ciHigh: m / 9, metric: 'downtime (ms)', converges: 'yes' })));

/** Every layer of a spec (through layer/hconcat). */
function layers(spec: any): any[] {
  if (spec.layer) return spec.layer.flatMap(layers);
  if (spec.hconcat) return spec.hconcat.flatMap(layers);
  return [spec];
}

test('one colour per series in every figure; the legend from the line layer; units in every axis title; seeds and CI in the subtitle', async () => {
  const specs = [
    lineFigure({ title: 't', seeds: 10, data: rows, x: { field: 'memoryMiB', title: 'VM memory (MiB)' }, yTitle: 'downtime (ms)' }),
    panelFigure({ title: 't', seeds: 10, data: rows, x: { field: 'memoryMiB', title: 'VM memory (MiB)', log: true }, panelField: 'metric', shapeField: 'converges', shapeTitle: 'converged (fewer than 50 dirty pages)' }),
  ];
  for (const spec of specs as any[]) {
    assert.match(spec.title.subtitle, /mean of 10 seeds, 95 % CI/);
    for (const l of layers(spec)) {
      const enc = l.encoding;
      assert.match(enc.x.title, /\(.+\)/, 'x title with a unit');
      assert.match(enc.y.title, /\(.+\)/, 'y title with a unit');
      if (l.mark.type === 'area') assert.is(enc.color.legend, null, 'the band has no legend');
      if (l.mark.type === 'line') assert.ok(enc.color.legend !== null, 'the line gives the legend');
      const scale = enc.color.scale;
      assert.is(scale.range[scale.domain.indexOf('pre-copy')], SERIES_COLORS['pre-copy']);
    }
    const svg = await renderSvg(spec);
    assert.match(svg, /pre-copy/);
    assert.match(svg, /downtime \(ms\)/);
  }
  // Series unknown to the table get distinct spare colours, the same for the same list.
  const c = colorScale(['a', 'pre-copy', 'b']);
  assert.is(c.range[1], SERIES_COLORS['pre-copy']);
  assert.is.not(c.range[0], c.range[2]);
  const m = measuredOnPredictedFigure({ title: 't', subtitle: 's', data: [{ memoryMiB: 128, metric: 'downtime (s)', series: 'measured: Xen 4.17 testbed', value: 1 }, { memoryMiB: 128, metric: 'downtime (s)', series: 'miglab, policy xen (nominal inputs)', value: 0.9 }], x: { field: 'memoryMiB', title: 'VM memory (MiB)' }, panelField: 'metric', panels: ['downtime (s)'], measuredSeries: 'measured: Xen 4.17 testbed' }) as any;
  for (const l of layers(m)) assert.match(l.encoding.y.title, /\(s\)/);
});

test('every paper figure is built by the style module (no hand-made band or legend in scripts/paper.ts)', () => {
  const src = readFileSync('scripts/paper.ts', 'utf8');
  assert.not.match(src, /mark: \{ type: 'area'/);
  assert.not.match(src, /type: 'line'/);
  for (const f of ['lineFigure', 'panelFigure', 'measuredOnPredictedFigure', 'barPanelsFigure']) assert.match(src, new RegExp(`${f}\\(`));
});

test('validate\'s table: one number format, with the unit of each metric', () => {
  assert.is(formatMetric('totalTimeSeconds', 5.0114), '5.011 s');
  assert.is(formatMetric('downtimeSeconds', 0.006661), '6.661 ms');
  assert.is(formatMetric('downtimeSeconds', 0), '0 s');
  assert.is(formatMetric('bytesTransferred', 179804548), '171.5 MiB');
  assert.is(formatMetric('rounds', 5), '5');
  assert.is(formatMetric('rounds', 12345), '12,345');
});

test('predicted vs measured: the y = x line spans each panel even for one run; units on every panel', async () => {
  const spec = predictedVsMeasuredSpec([
    { metric: 'bytesTransferred', measured: 179804548, predicted: 178000000, series: 'nominal inputs', label: 'a', errorPercent: -1 },
    { metric: 'downtimeSeconds', measured: 0.006, predicted: 0.0067, series: 'nominal inputs', label: 'a', errorPercent: 11 },
  ], 't', 's') as unknown as { data: { values: Record<string, unknown>[] } };
  const guides = spec.data.values.filter((v) => v.kind === 'guide');
  assert.is(guides.length, 4, 'two ends of the guide per panel');
  const down = guides.filter((g) => g.panel === 'downtime (ms)').map((g) => g.onLine as number);
  assert.ok(down[0] < 6 && down[1] > 6.7, 'in ms, around both values');
  assert.ok(spec.data.values.some((v) => v.kind === 'run' && v.panel === 'data transferred (MiB)' && Math.abs((v.measured as number) - 171.47) < 0.01));
  const svg = await renderSvg(spec as never);
  for (const t of ['data transferred (MiB)', 'downtime (ms)']) assert.match(svg, new RegExp(`<text[^>]*>${t.replace(/[()]/g, '\\$&')}`));
});

test.run();
