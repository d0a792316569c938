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
};

export function Pagination({ page, number, onFirst, onPrev, onNext, onLast, onPageSize }: Props) {
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
        <span className="silenced-count" data-silenced={page?.silenced}>
          {page?.silenced.toLocaleString("en-US")} silenced
        </span>
      )}
      {(page?.snoozed ?? 0) > 0 && (
        <span className="snoozed-count" data-snoozed={page?.snoozed}>
          {page?.snoozed.toLocaleString("en-US")} snoozed
        </span>
      )}
    </nav>
  );
}
