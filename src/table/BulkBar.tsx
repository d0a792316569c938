import type { Action } from "../bindings";

type Props = {
  count: number;
  busy: boolean;
  onBulk: (action: Action) => void;
  onClear: () => void;
};

/** Shown while rows are selected: one command for all of them. */
export function BulkBar({ count, busy, onBulk, onClear }: Props) {
  return (
    <div className="bulk-bar" role="region" aria-label="Selection">
      <span>{count} selected</span>
      <button type="button" disabled={busy} onClick={() => onBulk("complete")}>
        Complete selected
      </button>
      <button type="button" disabled={busy} onClick={() => onBulk("acknowledge")}>
        Acknowledge selected
      </button>
      <button type="button" onClick={onClear}>
        Clear selection
      </button>
    </div>
  );
}
