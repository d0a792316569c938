import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { api, messageOf } from "../api";
import { queryKeys } from "../queryKeys";
import { ErrorLine } from "../controls";

/** Name, version, where the database and the logs are, and a way to open the log folder. */
export function AboutDialog({ onClose }: { onClose: () => void }) {
  const about = useQuery({ queryKey: queryKeys.about, queryFn: api.about, staleTime: Infinity });
  const [error, setError] = useState<string | null>(null);
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => close.current?.focus(), []);
  const a = about.data;
  return (
    <div className="dialog-backdrop">
      <div role="dialog" aria-modal="true" aria-labelledby="about-heading" className="dialog about">
        <h2 id="about-heading">About {a?.name ?? "Eventdesk"}</h2>
        {about.isError && <p role="alert">{messageOf(about.error)}</p>}
        {a && (
          <dl>
            <dt>Version</dt>
            <dd data-testid="about-version">{a.version}</dd>
            <dt>Identifier</dt>
            <dd>{a.identifier}</dd>
            <dt>Database</dt>
            <dd>
              <code data-testid="about-db">{a.dbPath}</code>
            </dd>
            <dt>Logs</dt>
            <dd>
              <code data-testid="about-logs">{a.logDir}</code>
            </dd>
          </dl>
        )}
        <ErrorLine error={error} />
        <div className="dialog-buttons">
          <button
            type="button"
            disabled={!a}
            onClick={() => {
              setError(null);
              api.openLogFolder().catch((e: unknown) => setError(messageOf(e)));
            }}
          >
            Open log folder
          </button>
          <button type="button" ref={close} onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
