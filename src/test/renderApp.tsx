import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { App } from "../App";

/** A fresh query cache, as the window makes one (no retries). */
export function newClient() {
  return new QueryClient({ defaultOptions: { queries: { retry: false } } });
}

/** The whole window on `client` (a fresh cache by default), with a user to drive it. */
export function renderApp(client = newClient()) {
  const user = userEvent.setup();
  const view = render(
    <QueryClientProvider client={client}>
      <App />
    </QueryClientProvider>,
  );
  return { user, view };
}
