// The fake backend the UI tests run against is held to the real commands: it answers every
// command the bindings (generated from the shell) name, no other, and reads their arguments by
// the names the bindings send.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const here = join(__dirname);
const bindings = readFileSync(join(here, "../bindings.ts"), "utf8");
const fake = readFileSync(join(here, "fakeBackend.ts"), "utf8");

/** Each command the bindings invoke, with the names of the arguments they send. */
function realCommands(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [, name, args] of bindings.matchAll(
    /__TAURI_INVOKE(?:<[^>]*>)?\("(\w+)"(?:, \{ ([^}]*) \})?\)/g,
  )) {
    if (name) found.set(name, args ? args.split(",").map((a) => a.trim()) : []);
  }
  return found;
}

/** Each command the fake answers, with the argument names its case reads (`a.name`). */
function fakeCommands(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const body = fake.slice(fake.indexOf("switch (cmd) {"));
  const cases = [...body.matchAll(/case "([^"]+)":/g)];
  cases.forEach((c, i) => {
    const end = cases[i + 1]?.index ?? body.indexOf("default:");
    const block = body.slice(c.index, end);
    const reads = [...block.matchAll(/\ba\.(\w+)/g)].map((m) => m[1] ?? "");
    if (c[1]) found.set(c[1], [...new Set(reads)]);
  });
  return found;
}

describe("the fake backend", () => {
  it("answers the real commands, no other, reading the arguments they send", () => {
    const real = realCommands();
    const faked = fakeCommands();
    expect(real.size).toBeGreaterThanOrEqual(30);
    // Only the self-check's probe calls self_check_seen; the window's frame theme is a plugin's.
    const notFaked = [...real.keys()].filter((c) => !faked.has(c));
    expect(notFaked).toEqual(["self_check_seen"]);
    const unknown = [...faked.keys()].filter((c) => !real.has(c));
    expect(unknown).toEqual(["plugin:window|set_theme"]);
    for (const [cmd, reads] of faked) {
      const sent = real.get(cmd);
      if (!sent) continue;
      for (const arg of reads) expect(sent, `${cmd} reads ${arg}`).toContain(arg);
    }
  });
});
