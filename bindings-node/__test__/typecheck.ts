// Compiled (not run) by types.test.mjs with `tsc --strict`: index.d.ts is valid TypeScript, the README's
// way of using the package type-checks, and misuse is a type error.
import { Engine, metricPaths, metrics } from '../index'
import type { BackfillProgress, KpiReport, Lifecycle, MetricInfo, QualityIssue, RetentionMatrix, RollupView, TimeSeries } from '../index'

declare const console: { log(...values: unknown[]): void }
declare const process: { env: Record<string, string | undefined> }

export async function usage(): Promise<void> {
  const engine: Engine = await Engine.fromDirectory('./data', { env: process.env, usdToNpr: 133.5, alerts: { dropPct: 10 } })
  const mongo = await Engine.fromDirectory('mongodb://db.internal:27017', { readEnv: true }, { database: 'halobuzz' })
  const generated = await Engine.fromGenerator({ users: 10, seed: 1, revenueDrop: { day: '2026-04-01', pct: 30 } }, { timezone: 'Asia/Kathmandu' })
  const legacy = await Engine.fromGenerator(null, { tz: 'Asia/Kathmandu' })
  const report: KpiReport = await engine.kpis({ from: '2026-03-01', to: '2026-03-31', country: 'NP' })
  const growth: number | null = report.revenue.growth
  const tier: number | undefined = report.revenue.byOGTier.unknown
  const trend: 'improving' | 'stable' | 'declining' = report.safety.trend
  const catalog: MetricInfo[] = metrics()
  const npr = catalog.filter((m) => m.unit === 'npr').map((m) => m.id)
  const series: TimeSeries = await engine.timeSeries({ metric: metricPaths()[0], from: '2026-03-01', to: '2026-03-31', granularity: 'week' })
  const summary = await engine.backfill({ from: '2026-03-01', to: '2026-03-31', force: true }, (p: BackfillProgress) => console.log(p.done, p.date))
  const stopped = await engine.backfill({ from: '2026-03-01', to: '2026-03-31' }, (p) => p.done < 10)
  const cancelled: boolean = stopped.cancelled
  const recent = await engine.backfillRecent({ days: 3 }, (p) => (p.skipped ? undefined : false))
  const quality = await engine.qualityReport()
  const issue: QualityIssue | undefined = quality.collections[0]?.issues[0]
  const views: RollupView[] = await engine.rollupDay('2026-03-01')
  const active: number = views[0].facts.active
  const ids: string[] | undefined = views[0].userIds?.active
  const raw: KpiReport = await engine.kpisFromRaw({ from: '2026-03-01', to: '2026-03-31' })
  console.log(growth, tier, trend, npr, series.points[0]?.value, summary.rollupsWritten, cancelled, recent.computed, issue?.kind, active, ids, raw.period.days)
  console.log(generated.generationManifest?.start, engine.generationManifest === null, mongo, legacy)
  const matrix: RetentionMatrix = await engine.retentionMatrix({ from: '2026-03-01', to: '2026-03-31', asOf: '2026-04-30', granularity: 'week', days: [1, 7, 30] })
  const heatMap: (number | null)[][] = matrix.cohorts.map((c) => c.cells.map((cell) => cell.rateOnOrAfter))
  const sizes: number[] = matrix.cohorts.map((c) => c.cohortSize)
  const lifecycle: Lifecycle = await engine.lifecycle({ from: '2026-03-01', to: '2026-03-31', granularity: 'week', country: 'NP' })
  const stacked = lifecycle.periods.map((p) => [p.new, p.returning, p.resurrecting, p.dormant])
  console.log(heatMap, sizes, stacked, matrix.asOf, lifecycle.granularity === 'week')

  // @ts-expect-error days are 'YYYY-MM-DD' strings, not Dates
  await engine.kpis({ from: new Date('2026-03-01T00:00:00Z'), to: '2026-03-31' })
  // @ts-expect-error `to` is required
  await engine.kpis({ from: '2026-03-01' })
  // @ts-expect-error growth may be null
  report.revenue.growth.toFixed(1)
  // @ts-expect-error the metric is required
  await engine.timeSeries({ from: '2026-03-01', to: '2026-03-31' })
  // @ts-expect-error the source is a path or URI string
  await Engine.fromDirectory(42)
  // @ts-expect-error backfillRecent takes { days }
  await engine.backfillRecent(3)
  // @ts-expect-error a share may be null (no member old enough yet)
  matrix.cohorts[0].cells[0].rate.toFixed(1)
  // @ts-expect-error the days N are numbers
  await engine.retentionMatrix({ from: '2026-03-01', to: '2026-03-31', days: '1,7' })
  // @ts-expect-error `from` is required
  await engine.lifecycle({ to: '2026-03-31' })
  // @ts-expect-error a set is given by its size
  views[0].facts.active.length
}
