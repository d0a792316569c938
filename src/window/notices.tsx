// Messages at the top of the window: what failed, what conflicted, what an action did.
import { useCallback, useState } from "react";

export type Tone = "error" | "warning" | "info";
/** A message at the top of the window; `retry` offers to do something again. */
export type Notice = {
  id: number;
  tone: Tone;
  text: string;
  retry?: { label: string; run: () => void };
};

let nextId = 1;

export function useNotices() {
  const [notices, setNotices] = useState<Notice[]>([]);
  const push = useCallback((tone: Tone, text: string, retry?: Notice["retry"]) => {
    const id = nextId++;
    // Keep the latest few: a burst of failures should not bury the table.
    setNotices((all) => [...all.slice(-3), { id, tone, text, retry }]);
  }, []);
  const dismiss = useCallback(
    (id: number) => setNotices((all) => all.filter((n) => n.id !== id)),
    [],
  );
  return { notices, push, dismiss };
}

type Props = {
  notices: Notice[];
  onDismiss: (id: number) => void;
  /** A standing error (the page could not be read), shown first. */
  error: string | null;
};

export function NoticeList({ notices, onDismiss, error }: Props) {
  return (
    <section className="notices" aria-label="Messages">
      {error && (
        <div className="notice notice-error" role="alert">
          {error}
        </div>
      )}
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.tone}`} role="alert">
          <span>{n.text}</span>
          <span className="notice-buttons">
            {n.retry && (
              <button
                type="button"
                onClick={() => {
                  onDismiss(n.id);
                  n.retry?.run();
                }}
              >
                {n.retry.label}
              </button>
            )}
            <button type="button" onClick={() => onDismiss(n.id)}>
              Dismiss
            </button>
          </span>
        </div>
      ))}
    </section>
  );
}
