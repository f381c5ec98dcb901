import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { colorScale, lineFigure, measuredOnPredictedFigure, panelFigure, SERIES_COLORS } from '../../scripts/lib/figureStyle.ts';
import { renderSvg } from '../../scripts/lib/plot.ts';

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
  for (const f of ['lineFigure', 'panelFigure', 'measuredOnPredictedFigure']) assert.match(src, new RegExp(`${f}\\(`));
});

test.run();
