import type { Page } from "../bindings";
import { pageCount } from "../live/live";
import { PageSizeSelect } from "../controls";

type Props = {
  page: Page | undefined;
  number: number;
  onFirst: () => void;
  onPrev: () => void;
  onNext: () => void;
  onLast: () => void;
  onPageSize: (size: number) => void;
  /** Shows the events left out of the view: the silenced ones, or the snoozed ones. */
  onShowHidden: (which: "silenced" | "snoozed") => void;
};

export function Pagination({
  page,
  number,
  onFirst,
  onPrev,
  onNext,
  onLast,
  onPageSize,
  onShowHidden,
}: Props) {
  const total = page?.total ?? 0;
  const exact = page?.totalExact ?? true;
  const size = page?.pageSize ?? 50;
  const hasPrev = Boolean(page?.prev);
  const hasNext = Boolean(page?.next);
  return (
    <nav className="pagination" aria-label="Pagination">
      <button type="button" aria-label="First page" onClick={onFirst} disabled={!hasPrev}>
        «
      </button>
      <button type="button" aria-label="Previous page" onClick={onPrev} disabled={!hasPrev}>
        ‹
      </button>
      <span className="page-of" aria-live="polite">
        {number < 1
          ? "Near the end"
          : exact
            ? `Page ${number} of ${pageCount(total, size)}`
            : `Page ${number}`}
      </span>
      <button type="button" aria-label="Next page" onClick={onNext} disabled={!hasNext}>
        ›
      </button>
      <button type="button" aria-label="Last page" onClick={onLast} disabled={!hasNext}>
        »
      </button>
      <label className="page-size">
        Rows per page
        <PageSizeSelect value={size} onChange={onPageSize} />
      </label>
      <span className="total" data-total={total}>
        {exact ? "" : "more than "}
        {total.toLocaleString("en-US")} {total === 1 ? "event" : "events"}
      </span>
      {(page?.silenced ?? 0) > 0 && (
        <button
          type="button"
          className="silenced-count link"
          data-silenced={page?.silenced}
          title="Show only the silenced events"
          onClick={() => onShowHidden("silenced")}
        >
          {page?.silenced.toLocaleString("en-US")} silenced
        </button>
      )}
      {(page?.snoozed ?? 0) > 0 && (
        <button
          type="button"
          className="snoozed-count link"
          data-snoozed={page?.snoozed}
          title="Show only the snoozed events (the Snoozed view)"
          onClick={() => onShowHidden("snoozed")}
        >
          {page?.snoozed.toLocaleString("en-US")} snoozed
        </button>
      )}
    </nav>
  );
}
