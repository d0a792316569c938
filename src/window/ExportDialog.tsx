import { useEffect, useRef, useState } from "react";
import { api, messageOf } from "../api";
import { subscribe } from "../live/subscribe";
import {
  events,
  type EventQuery,
  type ExportFormat,
  type ExportOutcome,
  type ExportProgress,
} from "../bindings";
import { ErrorLine } from "../controls";

/** What an export led to, for the notice; `null` when no file was chosen. */
export function describeOutcome(o: ExportOutcome): string | null {
  switch (o.outcome) {
    case "done":
      return `Exported ${o.rows.toLocaleString("en-US")} ${o.rows === 1 ? "event" : "events"} to ${o.path}.`;
    case "cancelled":
      return `Export cancelled after ${o.rows.toLocaleString("en-US")} rows; no file was written.`;
    case "dismissed":
      return null;
  }
}

type Props = {
  /** The view to export: its filters, search and sort (paging is ignored). */
  query: EventQuery;
  onDone: (message: string) => void;
  onClose: () => void;
};

/** Exports the current view to CSV or JSON: a save dialog, then progress with a Cancel button. */
export function ExportDialog({ query, onDone, onClose }: Props) {
  const [format, setFormat] = useState<ExportFormat>("csv");
  const [progress, setProgress] = useState<ExportProgress | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);

  useEffect(() => {
    if (!running) return;
    return subscribe(events.exportProgress.listen, setProgress);
  }, [running]);

  // The save dialog is the system's, opened by the backend: the window never names a path.
  const start = async () => {
    setError(null);
    setRunning(true);
    setProgress(null);
    try {
      const message = describeOutcome(await api.exportView(query, format));
      if (message) onDone(message);
    } catch (e) {
      setError(`Export failed: ${messageOf(e)}`);
    } finally {
      setRunning(false);
    }
  };

  const percent =
    progress && progress.total > 0 ? Math.floor((progress.rows / progress.total) * 100) : 0;
  return (
    <div className="dialog-backdrop">
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="export-heading"
        className="dialog export"
      >
        <h2 id="export-heading">Export this view</h2>
        <p>Every event matching the current filters, search and sort; not just this page.</p>
        <fieldset disabled={running}>
          <legend>Format</legend>
          <label className="check">
            <input
              ref={first}
              type="radio"
              name="format"
              checked={format === "csv"}
              onChange={() => setFormat("csv")}
            />
            CSV (spreadsheets)
          </label>
          <label className="check">
            <input
              type="radio"
              name="format"
              checked={format === "json"}
              onChange={() => setFormat("json")}
            />
            JSON
          </label>
        </fieldset>
        {running && (
          <div className="export-progress">
            <progress max={100} value={percent} aria-label="Export progress" />
            <span role="status">
              {progress
                ? `${progress.rows.toLocaleString("en-US")} of ${progress.total.toLocaleString("en-US")} rows`
                : "Choose where to save it…"}
            </span>
          </div>
        )}
        <ErrorLine error={error} />
        <div className="dialog-buttons">
          {running ? (
            <button type="button" onClick={() => void api.cancelExport()}>
              Cancel export
            </button>
          ) : (
            <>
              <button type="button" onClick={() => void start()}>
                Choose file and export…
              </button>
              <button type="button" onClick={onClose}>
                Close
              </button>
            </>
          )}
        </div>
      </div>
    </div>
  );
}
