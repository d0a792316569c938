import { Component, type ErrorInfo, type ReactNode } from "react";

type State = { error: Error | null };

/** The last line of defence: a rendering error shows what happened instead of a blank window. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error("Eventdesk UI error", error, info.componentStack);
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div role="alert" className="crash">
        <h1>Eventdesk hit an error in its window</h1>
        <p>
          Nothing was written to the database by this error. Reloading the window usually recovers.
        </p>
        <pre>{`${error.name}: ${error.message}\n${error.stack ?? ""}`}</pre>
        <button type="button" onClick={() => window.location.reload()}>
          Reload window
        </button>
      </div>
    );
  }
}
