import { useQuery } from "@tanstack/react-query";
import { memo, useEffect, useMemo, useRef, useState } from "react";
import type uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { api, messageOf } from "../api";
import type { Minute, Severity } from "../bindings";
import { queryKeys } from "../queryKeys";

// Canvas colours cannot be CSS variables: a grey that reads on light and dark.
const AXIS = "#8b95a7";
const GRID = "#8b95a733";
const SERIES: { key: Severity; label: string; color: string }[] = [
  { key: "info", label: "Info", color: "#3b82f6" },
  { key: "warning", label: "Warning", color: "#f59e0b" },
  { key: "error", label: "Error", color: "#e11d48" },
  { key: "critical", label: "Critical", color: "#7f1d1d" },
];

/** Totals over the hour, for the strip's text summary. */
export function summarise(minutes: Minute[]): { total: number; critical: number; peak: number } {
  let total = 0;
  let critical = 0;
  let peak = 0;
  for (const m of minutes) {
    const n = m.info + m.warning + m.error + m.critical;
    total += n;
    critical += m.critical;
    peak = Math.max(peak, n);
  }
  return { total, critical, peak };
}

/** uPlot's columns, stacked: each series is the sum of itself and the ones below it. */
export function stacked(minutes: Minute[]): uPlot.AlignedData {
  const xs = minutes.map((m) => m.start / 1000);
  let below = minutes.map(() => 0);
  const ys = SERIES.map((s) => {
    const sum = minutes.map((m, i) => (below[i] ?? 0) + m[s.key]);
    below = sum;
    return sum;
  });
  // Drawn top-down so each band covers the ones it stacks on.
  return [xs, ...ys.reverse()];
}

function canDraw(): boolean {
  try {
    return document.createElement("canvas").getContext("2d") !== null;
  } catch {
    return false;
  }
}

/**
 * Events per minute by severity over the last hour, above the table. Refreshed when pushes
 * arrive (the caller invalidates queryKeys.activity, at most every few seconds) and each minute.
 */
export const ActivityStrip = memo(function ActivityStrip({ height = 90 }: { height?: number }) {
  const activity = useQuery({
    queryKey: queryKeys.activity,
    queryFn: api.activity,
    refetchInterval: 30_000,
  });
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const resize = useRef<ResizeObserver | null>(null);
  const heightNow = useRef(height);
  heightNow.current = height;
  const data = useMemo(() => (activity.data ? stacked(activity.data) : null), [activity.data]);
  // uPlot is loaded on demand: if it cannot start here (it needs a drawable canvas and a valid
  // locale), the strip keeps its text summary and the rest of the window is unaffected.
  const [lib, setLib] = useState<typeof uPlot | null>(null);
  const [chartError, setChartError] = useState<string | null>(null);
  useEffect(() => {
    if (!canDraw()) return;
    let live = true;
    import("uplot").then(
      (m) => live && setLib(() => m.default),
      (e: unknown) => live && setChartError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    const el = box.current;
    if (!el || !data || !lib) return;
    if (plot.current) {
      plot.current.setData(data);
      return;
    }
    const series: uPlot.Series[] = [
      {},
      ...[...SERIES].reverse().map((s) => ({
        label: s.label,
        stroke: s.color,
        fill: `${s.color}cc`,
        width: 1,
        paths: lib.paths.stepped?.({ align: 1 }),
        points: { show: false },
      })),
    ];
    plot.current = new lib(
      {
        width: Math.max(300, el.clientWidth),
        height: heightNow.current,
        series,
        legend: { show: false },
        cursor: { show: true, points: { show: false } },
        axes: [
          { stroke: AXIS, grid: { show: false }, size: 24 },
          { stroke: AXIS, size: 40, grid: { stroke: GRID } },
        ],
        scales: { x: { time: true } },
      },
      data,
      el,
    );
    if (typeof ResizeObserver !== "undefined") {
      resize.current = new ResizeObserver(() =>
        plot.current?.setSize({ width: Math.max(300, el.clientWidth), height: heightNow.current }),
      );
      resize.current.observe(el);
    }
  }, [data, lib]);
  // The chart's height follows the row density.
  useEffect(() => {
    const el = box.current;
    if (plot.current && el) plot.current.setSize({ width: Math.max(300, el.clientWidth), height });
  }, [height]);
  useEffect(
    () => () => {
      resize.current?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    },
    [],
  );

  const sum = activity.data ? summarise(activity.data) : null;
  return (
    <section className="activity" aria-label="Activity in the last hour">
      <div className="activity-summary">
        <strong>Last hour</strong>
        {sum ? (
          <span data-testid="activity-summary">
            {sum.total.toLocaleString("en-US")} events · {sum.critical.toLocaleString("en-US")}{" "}
            critical · peak {sum.peak.toLocaleString("en-US")}/min
          </span>
        ) : activity.isError ? (
          <span role="alert">Activity unavailable: {messageOf(activity.error)}</span>
        ) : (
          <span>Loading…</span>
        )}
        <span className="activity-legend" aria-hidden="true">
          {SERIES.map((s) => (
            <span key={s.key}>
              <i style={{ background: s.color }} /> {s.label}
            </span>
          ))}
        </span>
      </div>
      {chartError && (
        <p className="chart-error" role="status">
          Chart unavailable: {chartError}
        </p>
      )}
      <div ref={box} className="activity-chart" style={{ height }} />
    </section>
  );
});
