import { save } from "@tauri-apps/plugin-dialog";
import { useEffect, useRef, useState } from "react";
import { api, messageOf } from "./api";
import { subscribe } from "./subscribe";
import { events, type EventQuery, type ExportFormat, type ExportOutcome, type ExportProgress } from "./bindings";
import { ErrorLine } from "./controls";

/** "eventdesk-2026-11-25-2318.csv" */
export function defaultFileName(format: ExportFormat, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}`;
  return `eventdesk-${stamp}.${format}`;
}

export function describeOutcome(o: ExportOutcome): string {
  return o.outcome === "done"
    ? `Exported ${o.rows.toLocaleString("en-US")} ${o.rows === 1 ? "event" : "events"} to ${o.path}.`
    : `Export cancelled after ${o.rows.toLocaleString("en-US")} rows; no file was written.`;
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

  const start = async () => {
    setError(null);
    let path: string | null;
    try {
      path = await save({
        title: "Export events",
        defaultPath: defaultFileName(format),
        filters: [{ name: format.toUpperCase(), extensions: [format] }],
      });
    } catch (e) {
      setError(`The save dialog failed: ${messageOf(e)}`);
      return;
    }
    if (!path) return; // the operator closed the dialog
    setRunning(true);
    setProgress(null);
    try {
      onDone(describeOutcome(await api.exportView(query, format, path)));
    } catch (e) {
      setError(`Export failed: ${messageOf(e)}`);
    } finally {
      setRunning(false);
    }
  };

  const percent = progress && progress.total > 0 ? Math.floor((progress.rows / progress.total) * 100) : 0;
  return (
    <div className="dialog-backdrop">
      <div role="dialog" aria-modal="true" aria-labelledby="export-heading" className="dialog export">
        <h2 id="export-heading">Export this view</h2>
        <p>Every event matching the current filters, search and sort; not just this page.</p>
        <fieldset disabled={running}>
          <legend>Format</legend>
          <label className="check">
            <input ref={first} type="radio" name="format" checked={format === "csv"} onChange={() => setFormat("csv")} />
            CSV (spreadsheets)
          </label>
          <label className="check">
            <input type="radio" name="format" checked={format === "json"} onChange={() => setFormat("json")} />
            JSON
          </label>
        </fieldset>
        {running && (
          <div className="export-progress">
            <progress max={100} value={percent} aria-label="Export progress" />
            <span role="status">
              {progress
                ? `${progress.rows.toLocaleString("en-US")} of ${progress.total.toLocaleString("en-US")} rows`
                : "Starting…"}
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
