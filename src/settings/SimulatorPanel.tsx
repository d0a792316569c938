import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { useCommand } from "../useCommand";
import type { SimConfig } from "../bindings";
import { queryKeys } from "../queryKeys";
import { ErrorLine } from "../controls";

type Draft = { rate: string; seed: string; newShare: string; overrideChance: string };

function draftOf(s: SimConfig): Draft {
  return {
    rate: String(s.rate ?? ""),
    seed: String(s.seed),
    newShare: String(Math.round((s.newShare ?? 0) * 100)),
    overrideChance: String(Math.round((s.overrideChance ?? 0) * 1000) / 10),
  };
}

/** Running/paused, rate, seed and mix of the simulator. Saved settings survive restarts. */
export function SimulatorPanel() {
  const status = useQuery({ queryKey: queryKeys.simulator, queryFn: api.simulatorStatus });
  // Its change count follows pushes through the cache (live/cacheFeed.ts).
  const [draft, setDraft] = useState<Draft | null>(null);
  const {
    run: setSimulator,
    busy: saving,
    error,
  } = useCommand(api.setSimulator, queryKeys.simulator);
  const settings = status.data?.settings;
  const shown = draft ?? (settings ? draftOf(settings) : null);

  const save = async (next: SimConfig) => {
    if (await setSimulator(next)) setDraft(null);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!settings || !shown) return;
    void save({
      ...settings,
      rate: Number(shown.rate),
      seed: Number(shown.seed),
      newShare: Number(shown.newShare) / 100,
      overrideChance: Number(shown.overrideChance) / 100,
    });
  };

  // Ranges are checked by the simulator itself, whose typed error names the field.
  const field = (name: keyof Draft, label: string) => (
    <label>
      {label}
      <input
        type="number"
        step="any"
        required
        value={shown?.[name] ?? ""}
        onChange={(e) => shown && setDraft({ ...shown, [name]: e.target.value })}
      />
    </label>
  );

  return (
    <section className="simulator" aria-labelledby="simulator-heading">
      <h2 id="simulator-heading">Simulator</h2>
      {status.isError && <p role="alert">{messageOf(status.error)}</p>}
      {settings && status.data && (
        <>
          <p className="sim-status">
            <span data-running={settings.running}>{settings.running ? "Running" : "Paused"}</span> ·{" "}
            {status.data.changes.toLocaleString("en-US")} changes since start
          </p>
          <button
            type="button"
            disabled={saving}
            onClick={() => void save({ ...settings, running: !settings.running })}
          >
            {settings.running ? "Pause simulator" : "Resume simulator"}
          </button>
          <form onSubmit={submit}>
            {field("rate", "Changes per second")}
            {field("seed", "Seed")}
            {field("newShare", "New events (%)")}
            {field("overrideChance", "Reopen user completions (%)")}
            <button type="submit" disabled={saving}>
              Apply settings
            </button>
          </form>
          <ErrorLine error={error} />
        </>
      )}
    </section>
  );
}
