import { useState } from "react";
import type { Action } from "../bindings";
import { SnoozeFor } from "../detail/Snooze";

type Props = {
  count: number;
  busy: boolean;
  onBulk: (action: Action) => void;
  /** Snoozes the selected rows until then (Unix ms). */
  onSnooze: (until: number) => void;
  /** Takes the selected rows (assigns them to this operator). */
  onTake: () => void;
  onClear: () => void;
};

/** Shown while rows are selected: one command for all of them. */
export function BulkBar({ count, busy, onBulk, onSnooze, onTake, onClear }: Props) {
  const [minutes, setMinutes] = useState(60);
  return (
    <div className="bulk-bar" role="region" aria-label="Selection">
      <span>{count} selected</span>
      <button type="button" disabled={busy} onClick={() => onBulk("complete")}>
        Complete selected
      </button>
      <button type="button" disabled={busy} onClick={() => onBulk("acknowledge")}>
        Acknowledge selected
      </button>
      <button type="button" disabled={busy} onClick={onTake}>
        Take selected
      </button>
      <SnoozeFor label="Snooze selected for" minutes={minutes} onChange={setMinutes} />
      <button type="button" disabled={busy} onClick={() => onSnooze(Date.now() + minutes * 60_000)}>
        Snooze selected
      </button>
      <button type="button" onClick={onClear}>
        Clear selection
      </button>
    </div>
  );
}
