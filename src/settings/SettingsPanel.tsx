import { messageOf } from "../api";
import type { AppSettings, Density, Severity, Theme } from "../bindings";
import { useSettings } from "./settings";
import { Check, ErrorLine, PageSizeSelect } from "../controls";
import { useTeam } from "../team/TeamPanel";
import { TimerSettings } from "./Timers";

const SEVERITIES: Severity[] = ["critical", "error", "warning", "info"];
/** How long a silence made at this desk may last: the choices offered (the core takes 1 to 365). */
const SILENCE_DAYS = [1, 3, 7, 14, 30, 90, 180, 365];

/** Theme, row density, notifications, sounds, tray behaviour, page size, the longest silence and the desk's timers; each change is saved at once. */
export function SettingsPanel() {
  const { settings, error, save } = useSettings();
  const team = useTeam();
  const change = (next: Partial<AppSettings>) => settings && save.mutate({ ...settings, ...next });
  return (
    <section className="panel settings" aria-labelledby="settings-heading">
      <h2 id="settings-heading">Settings</h2>
      {error && <p role="alert">{messageOf(error)}</p>}
      {settings && (
        <>
          <label>
            Theme
            <select
              id="setting-theme"
              value={settings.theme}
              onChange={(e) => change({ theme: e.target.value as Theme })}
            >
              <option value="system">Follow the system</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
          <label>
            Rows
            <select
              id="setting-density"
              value={settings.density}
              onChange={(e) => change({ density: e.target.value as Density })}
            >
              <option value="comfortable">Comfortable</option>
              <option value="compact">Compact: one line each</option>
            </select>
          </label>
          <Check
            checked={settings.notifications}
            onChange={(notifications) => change({ notifications })}
          >
            Desktop notifications for critical events
          </Check>
          <fieldset>
            <legend>Sound for new events</legend>
            {SEVERITIES.map((s) => (
              <Check
                key={s}
                checked={settings.sounds[s]}
                onChange={(on) => change({ sounds: { ...settings.sounds, [s]: on } })}
              >
                {s}
              </Check>
            ))}
          </fieldset>
          <Check checked={settings.closeToTray} onChange={(closeToTray) => change({ closeToTray })}>
            Keep running in the tray when the window is closed
          </Check>
          <label>
            Default rows per page
            <PageSizeSelect
              id="setting-page-size"
              value={settings.pageSize}
              onChange={(pageSize) => change({ pageSize })}
            />
          </label>
          <label>
            Longest silence
            <select
              id="setting-max-silence"
              value={settings.maxSilenceDays}
              onChange={(e) => change({ maxSilenceDays: Number(e.target.value) })}
            >
              {SILENCE_DAYS.map((d) => (
                <option key={d} value={d}>
                  {d === 1 ? "1 day" : `${d} days`}
                </option>
              ))}
            </select>
          </label>
          <TimerSettings
            timers={settings.timers}
            team={team?.timers ?? null}
            onChange={(timers) => change({ timers })}
          />
          {save.isPending && <span className="saving">Saving…</span>}
          <ErrorLine error={save.isError ? `Settings not saved: ${messageOf(save.error)}` : null} />
        </>
      )}
    </section>
  );
}
