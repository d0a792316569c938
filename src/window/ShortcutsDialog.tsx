import { useEffect, useRef } from "react";

export const SHORTCUTS: [string, string][] = [
  ["j / ↓", "next row"],
  ["k / ↑", "previous row"],
  ["Enter", "open the row's details"],
  ["c", "complete the row"],
  ["a", "acknowledge the row"],
  ["t", "take the row (assign it to you)"],
  ["z", "snooze the row for an hour"],
  ["Space", "select or unselect the row"],
  ["Esc", "close details or this help"],
  ["?", "show or hide these shortcuts"],
  ["Ctrl+Q", "quit Eventdesk (closing the window keeps it in the tray)"],
];

export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => close.current?.focus(), []);
  return (
    <div className="dialog-backdrop">
      <div role="dialog" aria-modal="true" aria-labelledby="shortcuts-heading" className="dialog">
        <h2 id="shortcuts-heading">Keyboard shortcuts</h2>
        <dl className="shortcuts">
          {SHORTCUTS.map(([keys, what]) => (
            <div key={keys}>
              <dt>
                <kbd>{keys}</kbd>
              </dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
        <button type="button" ref={close} onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
