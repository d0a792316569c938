// Small pieces of form and dialog that several panels share.
import type { ReactNode } from "react";
import { formatDateTime, formatWhen } from "./format";

export const PAGE_SIZES = [25, 50, 100, 200] as const;

/** A choice of rows per page. */
export function PageSizeSelect({
  id,
  value,
  onChange,
}: {
  id?: string;
  value: number;
  onChange: (size: number) => void;
}) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(Number(e.target.value))}>
      {PAGE_SIZES.map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </select>
  );
}

/** A labelled checkbox. */
export function Check({
  checked,
  onChange,
  children,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  children: ReactNode;
}) {
  return (
    <label className="check">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      {children}
    </label>
  );
}

/** An error where the user is looking: inside the panel or dialog that failed. */
export function ErrorLine({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p role="alert" className="notice notice-error">
      {error}
    </p>
  );
}

/** A point in time as the table shows it, with the full timestamp in its tooltip. */
export function Timestamp({ at }: { at: number }) {
  return (
    <time dateTime={new Date(at).toISOString()} title={formatDateTime(at)}>
      {formatWhen(at)}
    </time>
  );
}
