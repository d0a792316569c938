import { describe, expect, it } from "vitest";
import {
  DEFAULT_VIEW,
  isPlain,
  parseLabel,
  readView,
  toFilter,
  withLabel,
  writeView,
  type View,
} from "./view";

describe("the view in the URL", () => {
  it("round-trips every setting", () => {
    const v: View = {
      statuses: ["open", "acknowledged"],
      minSeverity: "error",
      kind: "ledger.lag",
      source: "ledger",
      range: "1h",
      search: '"failed logins" eu',
      labels: [
        { key: "env", value: "prod" },
        { key: "path", value: "/a=b&c" },
      ],
      silenced: "show",
      snoozed: "only",
      assigned: "mine",
      sort: { by: "severity", descending: false },
      pageSize: 100,
    };
    expect(readView(writeView(v))).toEqual(v);
    expect(writeView(DEFAULT_VIEW)).toBe("");
    expect(readView("")).toEqual(DEFAULT_VIEW);
  });

  it("ignores values it does not know", () => {
    expect(readView("?status=open,bogus&severity=extreme&sort=random&size=7&range=1y")).toEqual({
      ...DEFAULT_VIEW,
      statuses: ["open"],
    });
  });

  it("reads labels as key=value and keeps one value a key", () => {
    expect(parseLabel("env=prod")).toEqual({ key: "env", value: "prod" });
    expect(parseLabel("note=a=b")).toEqual({ key: "note", value: "a=b" });
    expect(parseLabel("empty=")).toEqual({ key: "empty", value: "" });
    expect(parseLabel("=prod")).toBeNull();
    expect(parseLabel("env")).toBeNull();
    expect(readView("?label=env%3Dprod&label=bogus").labels).toEqual([
      { key: "env", value: "prod" },
    ]);
    const v = withLabel(withLabel(DEFAULT_VIEW, { key: "env", value: "prod" }), {
      key: "env",
      value: "staging",
    });
    expect(v.labels).toEqual([{ key: "env", value: "staging" }]);
    expect(isPlain(v)).toBe(false);
    expect(toFilter(v, 0).labels).toEqual(v.labels);
  });

  it("asks the core for this operator's events, or nobody's", () => {
    const mine = { ...DEFAULT_VIEW, assigned: "mine" as const };
    expect(toFilter(mine, 0).assignee).toBe("user");
    expect(toFilter(mine, 0, "operator:bob").assignee).toBe("operator:bob");
    expect(toFilter({ ...DEFAULT_VIEW, assigned: "none" }, 0).assignee).toBe("");
    expect(toFilter(DEFAULT_VIEW, 0).assignee).toBeNull();
    expect(isPlain(mine)).toBe(false);
    expect(readView("?assigned=bogus").assigned).toBe("any");
  });

  it("knows the plain view and turns ranges into times", () => {
    expect(isPlain(DEFAULT_VIEW)).toBe(true);
    expect(isPlain({ ...DEFAULT_VIEW, search: "  " })).toBe(true);
    expect(isPlain({ ...DEFAULT_VIEW, sort: { by: "time", descending: false } })).toBe(false);
    expect(toFilter({ ...DEFAULT_VIEW, range: "15m" }, 1_000_000).from).toBe(100_000);
    expect(toFilter(DEFAULT_VIEW, 1_000_000)).toMatchObject({
      from: null,
      search: null,
      statuses: [],
    });
  });
});
