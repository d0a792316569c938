// Prints criterion's results as a table: per benchmark the median and the 99th percentile of
// its samples (each sample is the mean of many iterations), and the throughput where useful.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = process.argv[2] ?? "target/criterion";
const rows = [];
for (const group of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== "report")) {
  for (const bench of readdirSync(join(root, group.name), { withFileTypes: true }).filter((d) => d.isDirectory())) {
    const dir = join(root, group.name, bench.name, "new");
    if (!existsSync(join(dir, "sample.json"))) continue;
    const meta = JSON.parse(readFileSync(join(dir, "benchmark.json"), "utf8"));
    const sample = JSON.parse(readFileSync(join(dir, "sample.json"), "utf8"));
    const per = sample.times.map((t, i) => t / sample.iters[i]).sort((a, b) => a - b);
    const at = (q) => per[Math.min(per.length - 1, Math.floor(q * per.length))];
    rows.push({ group: meta.group_id, name: meta.function_id, p50: at(0.5), p99: at(0.99) });
  }
}
const fmt = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(1)} µs`);
const perSecond = (name, ns) => {
  const m = /^simulator: (\d+) change/.exec(name);
  return m ? `${Math.round((Number(m[1]) * 1e9) / ns).toLocaleString("en-US")} changes/s` : "";
};
const table = [["group", "benchmark", "p50", "p99 (of samples)", "throughput"]];
for (const r of rows.sort((a, b) => a.group.localeCompare(b.group) || a.name.localeCompare(b.name))) {
  table.push([r.group, r.name, fmt(r.p50), fmt(r.p99), perSecond(r.name, r.p50)]);
}
const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
for (const [i, row] of table.entries()) {
  console.log(`| ${row.map((cell, c) => cell.padEnd(widths[c])).join(" | ")} |`);
  if (i === 0) console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
}
