import { useCallback, useState } from "react";

export type Tone = "error" | "warning" | "info";
/** A message at the top of the window; `retry` offers to do something again. */
export type Notice = { id: number; tone: Tone; text: string; retry?: { label: string; run: () => void } };

let nextId = 1;

export function useNotices() {
  const [notices, setNotices] = useState<Notice[]>([]);
  const push = useCallback((tone: Tone, text: string, retry?: Notice["retry"]) => {
    const id = nextId++;
    // Keep the latest few: a burst of failures should not bury the table.
    setNotices((all) => [...all.slice(-3), { id, tone, text, retry }]);
  }, []);
  const dismiss = useCallback((id: number) => setNotices((all) => all.filter((n) => n.id !== id)), []);
  return { notices, push, dismiss };
}
