// What the table shows (filters, sort, page size), kept in the window's URL so a reload keeps
// it, and how that becomes an `EventQuery`.
import type {
  EventFilter,
  EventQuery,
  Label,
  Position,
  SilencedView,
  SnoozedView,
  Severity,
  Sort,
  SortKey,
  Status,
} from "../bindings";
import { PAGE_SIZES } from "../controls";

export const RANGES = {
  all: 0,
  "15m": 15 * 60_000,
  "1h": 3_600_000,
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
} as const;
export type Range = keyof typeof RANGES;
export const RANGE_LABELS: Record<Range, string> = {
  all: "Any time",
  "15m": "Last 15 minutes",
  "1h": "Last hour",
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
};

export const ASSIGNED = ["any", "mine", "none"] as const;
export type Assigned = (typeof ASSIGNED)[number];

export type View = {
  statuses: Status[];
  minSeverity: Severity | null;
  kind: string | null;
  source: string | null;
  range: Range;
  search: string;
  /** Labels an event must carry (each key = value). */
  labels: Label[];
  /** What the view does with events an active silence mutes. */
  silenced: SilencedView;
  /** What the view does with events snoozed now ("only": the Snoozed view). */
  snoozed: SnoozedView;
  /** Whose events: anyone's, this operator's ("Mine") or nobody's ("Unassigned"). */
  assigned: Assigned;
  sort: Sort;
  pageSize: number;
};

/** Which page of a view: its number (for people) and its position (for keyset paging). */
export type Nav = { page: number; position: Position };

export const DEFAULT_VIEW: View = {
  statuses: [],
  minSeverity: null,
  kind: null,
  source: null,
  range: "all",
  search: "",
  labels: [],
  silenced: "hide",
  snoozed: "hide",
  assigned: "any",
  sort: { by: "time", descending: true },
  pageSize: 50,
};

/** The most labels a view names (the core's `EventFilter::MAX_LABELS`). */
export const MAX_VIEW_LABELS = 16;

/** `key=value` as a label (split at the first `=`), or null when it names no key. */
export function parseLabel(text: string): Label | null {
  const at = text.indexOf("=");
  if (at <= 0 || text.slice(0, at).trim() === "") return null;
  return { key: text.slice(0, at).trim(), value: text.slice(at + 1).trim() };
}

export function labelText(l: Label): string {
  return `${l.key}=${l.value}`;
}

/** `view` with `label` added (replacing another value of the same key), or as it was. */
export function withLabel(view: View, label: Label): View {
  const others = view.labels.filter((l) => l.key !== label.key);
  if (others.length >= MAX_VIEW_LABELS) return view;
  return { ...view, labels: [...others, label] };
}

export const FIRST: Nav = { page: 1, position: { at: "first" } };

const STATUSES: Status[] = ["open", "acknowledged", "completed"];
const SEVERITIES: Severity[] = ["info", "warning", "error", "critical"];
const SORT_KEYS: SortKey[] = ["time", "updated", "severity"];
const SILENCED: SilencedView[] = ["hide", "show", "only"];
const SNOOZED: SnoozedView[] = ["hide", "show", "only"];

/** True for the plain view (everything, newest first), where pushes are applied in place. */
export function isPlain(v: View): boolean {
  return (
    v.statuses.length === 0 &&
    v.minSeverity === null &&
    v.kind === null &&
    v.source === null &&
    v.range === "all" &&
    v.search.trim() === "" &&
    v.labels.length === 0 &&
    v.silenced === "hide" &&
    v.snoozed === "hide" &&
    v.assigned === "any" &&
    v.sort.by === "time" &&
    v.sort.descending
  );
}

/**
 * The core's filter of `v`, its time range fixed at `now`; `me` is this operator as the core
 * names assignees (`user` on a desk alone, `operator:NAME` on a team desk).
 */
export function toFilter(v: View, now: number, me = "user"): EventFilter {
  return {
    statuses: v.statuses,
    severities: [],
    minSeverity: v.minSeverity,
    kind: v.kind,
    source: v.source,
    from: v.range === "all" ? null : now - RANGES[v.range],
    to: null,
    search: v.search.trim() === "" ? null : v.search,
    labels: v.labels,
    silenced: v.silenced,
    snoozed: v.snoozed,
    assignee: v.assigned === "mine" ? me : v.assigned === "none" ? "" : null,
  };
}

export function toQuery(v: View, nav: Nav, filter: EventFilter): EventQuery {
  return { page: nav.page, pageSize: v.pageSize, filter, sort: v.sort, position: nav.position };
}

export function readView(search: string): View {
  const p = new URLSearchParams(search);
  const pick = <T extends string>(value: string | null, allowed: readonly T[]): T | null =>
    allowed.includes(value as T) ? (value as T) : null;
  const sortBy = pick(p.get("sort"), SORT_KEYS) ?? "time";
  const size = Number(p.get("size"));
  return {
    statuses: (p.get("status") ?? "")
      .split(",")
      .filter((s): s is Status => STATUSES.includes(s as Status)),
    minSeverity: pick(p.get("severity"), SEVERITIES),
    kind: p.get("kind") || null,
    source: p.get("source") || null,
    range: pick(p.get("range"), Object.keys(RANGES) as Range[]) ?? "all",
    search: p.get("q") ?? "",
    labels: p
      .getAll("label")
      .map(parseLabel)
      .filter((l): l is Label => l !== null)
      .slice(0, MAX_VIEW_LABELS),
    silenced: pick(p.get("silenced"), SILENCED) ?? "hide",
    snoozed: pick(p.get("snoozed"), SNOOZED) ?? "hide",
    assigned: pick(p.get("assigned"), ASSIGNED) ?? "any",
    sort: { by: sortBy, descending: p.get("dir") !== "asc" },
    pageSize: (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_VIEW.pageSize,
  };
}

export function writeView(v: View): string {
  const p = new URLSearchParams();
  if (v.statuses.length) p.set("status", v.statuses.join(","));
  if (v.minSeverity) p.set("severity", v.minSeverity);
  if (v.kind) p.set("kind", v.kind);
  if (v.source) p.set("source", v.source);
  if (v.range !== "all") p.set("range", v.range);
  if (v.search) p.set("q", v.search);
  for (const l of v.labels) p.append("label", labelText(l));
  if (v.silenced !== "hide") p.set("silenced", v.silenced);
  if (v.snoozed !== "hide") p.set("snoozed", v.snoozed);
  if (v.assigned !== "any") p.set("assigned", v.assigned);
  if (v.sort.by !== "time") p.set("sort", v.sort.by);
  if (!v.sort.descending) p.set("dir", "asc");
  if (v.pageSize !== DEFAULT_VIEW.pageSize) p.set("size", String(v.pageSize));
  const s = p.toString();
  return s ? `?${s}` : "";
}
