import { useCallback, useState } from "react";

export type Tone = "error" | "warning" | "info";
export type Notice = { id: number; tone: Tone; text: string };

let nextId = 1;

/** Messages shown at the top of the window until dismissed. */
export function useNotices() {
  const [notices, setNotices] = useState<Notice[]>([]);
  const push = useCallback((tone: Tone, text: string) => {
    const id = nextId++;
    // Keep the latest few: a burst of failures should not bury the table.
    setNotices((all) => [...all.slice(-3), { id, tone, text }]);
  }, []);
  const dismiss = useCallback((id: number) => setNotices((all) => all.filter((n) => n.id !== id)), []);
  return { notices, push, dismiss };
}
