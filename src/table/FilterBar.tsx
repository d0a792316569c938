import { useQuery } from "@tanstack/react-query";
import { memo, useEffect, useRef, useState } from "react";
import { api } from "../api";
import type { Label, Severity, SilencedView, SnoozedView, Status } from "../bindings";
import {
  DEFAULT_VIEW,
  MAX_VIEW_LABELS,
  RANGE_LABELS,
  labelText,
  parseLabel,
  withLabel,
  type Range,
  type View,
  type Assigned,
} from "./view";
import { queryKeys } from "../queryKeys";

const STATUSES: [Status, string][] = [
  ["open", "Open"],
  ["acknowledged", "Acknowledged"],
  ["completed", "Completed"],
];
const SEVERITIES: Severity[] = ["warning", "error", "critical"];
// A search costs the core well under a millisecond at 1,000,000 events, so the box reads at
// once and waits only to fold a burst of keys (fast typing) into one read.
export const SEARCH_DELAY_MS = 40;

type Props = { view: View; onChange: (view: View) => void };

type FacetProps = {
  label: string;
  names: string[] | undefined;
  value: string | null;
  onChange: (value: string | null) => void;
};

/** A kind or source to filter by: the ones present, and the one chosen even if it is not. */
function FacetSelect({ label, names, value, onChange }: FacetProps) {
  const all = new Set(names ?? []);
  if (value) all.add(value);
  return (
    <label>
      {label}
      <select value={value ?? ""} onChange={(e) => onChange(e.target.value || null)}>
        <option value="">Any</option>
        {[...all].sort().map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    </label>
  );
}

type LabelProps = { view: View; onChange: (view: View) => void };

/** The labels the view asks for, each removable, and a box to add one as key=value. */
function LabelFilter({ view, onChange }: LabelProps) {
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const add = () => {
    const label = parseLabel(text);
    if (label === null) {
      setProblem("Write a label as key=value");
      return;
    }
    if (view.labels.length >= MAX_VIEW_LABELS && !view.labels.some((l) => l.key === label.key)) {
      setProblem(`A view names at most ${MAX_VIEW_LABELS} labels`);
      return;
    }
    setProblem(null);
    setText("");
    onChange(withLabel(view, label));
  };
  const remove = (label: Label) =>
    onChange({ ...view, labels: view.labels.filter((l) => l.key !== label.key) });
  return (
    <div className="label-filter">
      <input
        aria-label="Filter by label"
        placeholder="label=value"
        value={text}
        aria-invalid={problem !== null}
        aria-describedby={problem ? "label-problem" : undefined}
        onChange={(e) => {
          setText(e.target.value);
          setProblem(null);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            add();
          }
        }}
      />
      {problem && (
        <span id="label-problem" role="alert" className="field-problem">
          {problem}
        </span>
      )}
      {view.labels.length > 0 && (
        <ul className="label-list" aria-label="Labels in this view">
          {view.labels.map((l) => (
            <li key={l.key} className="label-chip">
              {labelText(l)}
              <button
                type="button"
                aria-label={`Remove label ${labelText(l)}`}
                onClick={() => remove(l)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Search box (debounced), status, minimum severity, kind, source and time range. */
export const FilterBar = memo(function FilterBar({ view, onChange }: Props) {
  const facets = useQuery({ queryKey: queryKeys.facets, queryFn: api.facets, staleTime: 30_000 });
  const [text, setText] = useState(view.search);
  useEffect(() => setText(view.search), [view.search]);
  // A key after a quiet spell searches at once, in the same render as the box; keys that
  // follow within SEARCH_DELAY_MS fold into one search that much after the last of them.
  const latest = useRef({ view, onChange });
  latest.current = { view, onChange };
  const lastKey = useRef(Number.NEGATIVE_INFINITY);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(pending.current), []);
  const type = (value: string) => {
    setText(value);
    const now = performance.now();
    const quiet = now - lastKey.current >= SEARCH_DELAY_MS;
    lastKey.current = now;
    clearTimeout(pending.current);
    const search = () => latest.current.onChange({ ...latest.current.view, search: value });
    if (quiet) search();
    else pending.current = setTimeout(search, SEARCH_DELAY_MS);
  };

  const toggleStatus = (s: Status) =>
    onChange({
      ...view,
      statuses: view.statuses.includes(s)
        ? view.statuses.filter((x) => x !== s)
        : [...view.statuses, s],
    });
  return (
    <form
      className="filters"
      role="search"
      aria-label="Filter events"
      onSubmit={(e) => e.preventDefault()}
    >
      <input
        type="search"
        aria-label="Search events"
        placeholder='Search title, kind, source, notes — "exact phrase", prefix*'
        value={text}
        onChange={(e) => type(e.target.value)}
      />
      <fieldset>
        <legend>Status</legend>
        {STATUSES.map(([s, label]) => (
          <label key={s}>
            <input
              type="checkbox"
              checked={view.statuses.includes(s)}
              onChange={() => toggleStatus(s)}
            />
            {label}
          </label>
        ))}
      </fieldset>
      <label>
        Severity
        <select
          value={view.minSeverity ?? ""}
          onChange={(e) =>
            onChange({ ...view, minSeverity: (e.target.value || null) as Severity | null })
          }
        >
          <option value="">Any</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s} or worse
            </option>
          ))}
        </select>
      </label>
      <FacetSelect
        label="Kind"
        names={facets.data?.kinds}
        value={view.kind}
        onChange={(kind) => onChange({ ...view, kind })}
      />
      <FacetSelect
        label="Source"
        names={facets.data?.sources}
        value={view.source}
        onChange={(source) => onChange({ ...view, source })}
      />
      <LabelFilter view={view} onChange={onChange} />
      <label>
        Silenced
        <select
          aria-label="Silenced"
          value={view.silenced}
          onChange={(e) => onChange({ ...view, silenced: e.target.value as SilencedView })}
        >
          <option value="hide">Hidden</option>
          <option value="show">Shown</option>
          <option value="only">Only</option>
        </select>
      </label>
      <label>
        Assigned
        <select
          aria-label="Assigned"
          value={view.assigned}
          onChange={(e) => onChange({ ...view, assigned: e.target.value as Assigned })}
        >
          <option value="any">Anyone</option>
          <option value="mine">Mine</option>
          <option value="none">Unassigned</option>
        </select>
      </label>
      <label>
        Snoozed
        <select
          aria-label="Snoozed"
          value={view.snoozed}
          onChange={(e) => onChange({ ...view, snoozed: e.target.value as SnoozedView })}
        >
          <option value="hide">Hidden</option>
          <option value="show">Shown</option>
          <option value="only">Only</option>
        </select>
      </label>
      <label>
        Time
        <select
          value={view.range}
          onChange={(e) => onChange({ ...view, range: e.target.value as Range })}
        >
          {(Object.keys(RANGE_LABELS) as Range[]).map((r) => (
            <option key={r} value={r}>
              {RANGE_LABELS[r]}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        onClick={() => {
          clearTimeout(pending.current);
          setText("");
          onChange({ ...DEFAULT_VIEW, sort: view.sort, pageSize: view.pageSize });
        }}
        disabled={
          JSON.stringify({ ...view, sort: DEFAULT_VIEW.sort, pageSize: DEFAULT_VIEW.pageSize }) ===
          JSON.stringify(DEFAULT_VIEW)
        }
      >
        Clear filters
      </button>
    </form>
  );
});
