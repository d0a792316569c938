import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { App } from "./App";
import { settleLocale } from "./locale";
import { ErrorBoundary } from "./window/ErrorBoundary";
import { prefetchPage } from "./live/useLivePage";
import { firstQuery } from "./table/useView";
import "./styles.css";

// Where the page's own start-up begins (the window benchmark times start to first rows in steps).
performance.mark("eventdesk:script");

// Before anything formats or loads the chart: a system locale Intl rejects becomes en-US.
settleLocale();

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } },
});

// The first page is asked for now, while React builds the window, not after its first
// render (a view with a relative time range computes its bounds again and reads on its own).
void prefetchPage(queryClient, firstQuery(window.location.search, Date.now()));

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <ErrorBoundary>
        <QueryClientProvider client={queryClient}>
          <App />
        </QueryClientProvider>
      </ErrorBoundary>
    </StrictMode>,
  );
}
