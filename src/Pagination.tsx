import { pageCount } from "./live";

export const PAGE_SIZES = [25, 50, 100, 200] as const;

type Props = {
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
  onPageSize: (size: number) => void;
};

export function Pagination({ page, pageSize, total, onPage, onPageSize }: Props) {
  const pages = pageCount(total, pageSize);
  return (
    <nav className="pagination" aria-label="Pagination">
      <button type="button" aria-label="First page" onClick={() => onPage(1)} disabled={page <= 1}>
        «
      </button>
      <button type="button" aria-label="Previous page" onClick={() => onPage(page - 1)} disabled={page <= 1}>
        ‹
      </button>
      <span className="page-of" aria-live="polite">
        Page {page} of {pages}
      </span>
      <button type="button" aria-label="Next page" onClick={() => onPage(page + 1)} disabled={page >= pages}>
        ›
      </button>
      <button type="button" aria-label="Last page" onClick={() => onPage(pages)} disabled={page >= pages}>
        »
      </button>
      <label className="page-size">
        Rows per page
        <select value={pageSize} onChange={(e) => onPageSize(Number(e.target.value))}>
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <span className="total" data-total={total}>
        {total.toLocaleString("en-US")} {total === 1 ? "event" : "events"}
      </span>
    </nav>
  );
}
