// The keyboard: j/k or the arrows move, Enter opens, c completes, a acknowledges, t takes, z
// snoozes for an hour, Space ticks,
// ? shows the list, Esc closes, Ctrl+Q quits. The listener is registered once and reads the latest state.
import { useEffect, useRef } from "react";
import type { Action, Event } from "../bindings";

export type ShortcutState = {
  rows: Event[];
  current: number | null;
  helpOpen: boolean;
  setCurrent: (id: number) => void;
  open: (id: number) => void;
  closeDetail: () => void;
  /** Whether the panel drawer is open; Escape closes it before the detail pane. */
  panelsOpen: boolean;
  closePanels: () => void;
  setHelpOpen: (open: boolean) => void;
  toggle: (event: Event) => void;
  act: (action: Action, event: Event) => void;
  /** Snoozes the event for an hour. */
  snooze: (event: Event) => void;
  /** Takes the event: assigns it to this operator. */
  take: (event: Event) => void;
  /** Quits the app: closing the window only hides it in the tray. */
  quit: () => void;
};

function typingInField(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName))
  );
}

export function useShortcuts(state: ShortcutState) {
  const latest = useRef(state);
  latest.current = state;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // Ctrl+Q quits from anywhere, a text field too (macOS: Cmd+Q, from the app's menu).
      if (e.ctrlKey && !e.altKey && !e.shiftKey && !e.metaKey && e.key.toLowerCase() === "q") {
        e.preventDefault();
        latest.current.quit();
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey || typingInField(e.target)) return;
      const s = latest.current;
      if (e.key === "?") {
        s.setHelpOpen(!s.helpOpen);
        e.preventDefault();
        return;
      }
      if (e.key === "Escape") {
        if (s.helpOpen) s.setHelpOpen(false);
        else if (s.panelsOpen) s.closePanels();
        else s.closeDetail();
        return;
      }
      if (s.helpOpen || s.rows.length === 0) return;
      const at = s.rows.findIndex((r) => r.id === s.current);
      const row = at >= 0 ? s.rows[at] : undefined;
      const onButton = e.target instanceof HTMLButtonElement;
      const move = (delta: number) => {
        const next = s.rows[Math.min(s.rows.length - 1, Math.max(0, at < 0 ? 0 : at + delta))];
        if (next) s.setCurrent(next.id);
        e.preventDefault();
      };
      switch (e.key) {
        case "j":
        case "ArrowDown":
          return move(1);
        case "k":
        case "ArrowUp":
          return move(-1);
        case "Enter":
          if (row && !onButton) {
            s.open(row.id);
            e.preventDefault();
          }
          return;
        case " ":
          if (row && !onButton) {
            s.toggle(row);
            e.preventDefault();
          }
          return;
        case "c":
          if (row && row.status !== "completed") s.act("complete", row);
          return;
        case "a":
          if (row && row.status === "open") s.act("acknowledge", row);
          return;
        case "z":
          if (row && row.status !== "completed") s.snooze(row);
          return;
        case "t":
          if (row) s.take(row);
          return;
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
