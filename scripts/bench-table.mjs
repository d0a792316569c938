// Prints the benchmark results as one table (or, with --summary, the issue-level table of
// scripts/bench.sh): per-call p50 and p99 measured call by call (the
// queries), criterion's mean (every benchmark), and throughput for the simulator batches.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Prints rows as a Markdown table. */
function print(title, rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log(title);
  for (const [i, r] of rows.entries()) {
    console.log(`| ${r.map((cell, c) => cell.padEnd(widths[c])).join(" | ")} |`);
    if (i === 0) console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
  }
}

// `--summary DIR`: the issue-level table, from the rows each part wrote (core, ingest, window).
if (process.argv[2] === "--summary") {
  const dir = process.argv[3] ?? "target/bench";
  const rows = [["step", "now", "floor (same run)", "ratio to floor", "goal"]];
  const missing = [];
  for (const part of ["core", "ingest", "window"]) {
    const file = join(dir, `${part}.json`);
    if (!existsSync(file)) {
      missing.push(part);
      continue;
    }
    for (const r of JSON.parse(readFileSync(file, "utf8")))
      rows.push([r.step, r.now, r.floor, r.ratio, r.goal]);
  }
  console.log("");
  print(
    `Eventdesk: the steps an operator waits for${missing.length ? ` (not measured: ${missing.join(", ")})` : ""}`,
    rows,
  );
  process.exit(0);
}

const root = process.argv[2] ?? "target/criterion";
// The last run's per-call timings name its criterion group (the database size); groups of
// earlier runs on other sizes stay in the folder and are skipped.
const { group, rows: percentiles } = JSON.parse(
  readFileSync(join(root, "eventdesk-percentiles.json"), "utf8"),
);
const criterion = new Map();
for (const g of readdirSync(root, { withFileTypes: true }).filter(
  (d) => d.isDirectory() && d.name !== "report",
)) {
  for (const b of readdirSync(join(root, g.name), { withFileTypes: true }).filter((d) =>
    d.isDirectory(),
  )) {
    const dir = join(root, g.name, b.name, "new");
    if (!existsSync(join(dir, "estimates.json"))) continue;
    const meta = JSON.parse(readFileSync(join(dir, "benchmark.json"), "utf8"));
    if (meta.group_id !== group) continue;
    const est = JSON.parse(readFileSync(join(dir, "estimates.json"), "utf8"));
    criterion.set(meta.function_id, est.mean.point_estimate);
  }
}
const fmt = (ns) =>
  ns === undefined ? "" : ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(1)} µs`;
const rows = [["benchmark", "p50 (per call)", "p99 (per call)", "mean (criterion)", "throughput"]];
for (const p of percentiles)
  rows.push([p.name, fmt(p.p50), fmt(p.p99), fmt(criterion.get(p.name)), ""]);
for (const [name, mean] of criterion) {
  if (percentiles.some((p) => p.name === name)) continue;
  const m = /^simulator: ([\d_]+) change/.exec(name);
  const rate = m
    ? `${Math.round((Number(m[1].replace(/_/g, "")) * 1e9) / mean).toLocaleString("en-US")} changes/s`
    : "";
  rows.push([name, "", "", fmt(mean), rate]);
}
print(`Eventdesk core benchmarks: ${group}`, rows);
