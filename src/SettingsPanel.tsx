import { messageOf } from "./api";
import type { AppSettings, Severity, Theme } from "./bindings";
import { PAGE_SIZES } from "./Pagination";
import { useSettings } from "./settings";

const SEVERITIES: Severity[] = ["critical", "error", "warning", "info"];

/** Theme, notifications, sounds, tray behaviour and page size; each change is saved at once. */
export function SettingsPanel() {
  const { settings, error, save } = useSettings();
  const change = (next: Partial<AppSettings>) => settings && save.mutate({ ...settings, ...next });
  return (
    <section className="panel settings" aria-labelledby="settings-heading">
      <h2 id="settings-heading">Settings</h2>
      {error && <p role="alert">{messageOf(error)}</p>}
      {settings && (
        <>
          <label>
            Theme
            <select id="setting-theme" value={settings.theme} onChange={(e) => change({ theme: e.target.value as Theme })}>
              <option value="system">Follow the system</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={settings.notifications}
              onChange={(e) => change({ notifications: e.target.checked })}
            />
            Desktop notifications for critical events
          </label>
          <fieldset>
            <legend>Sound for new events</legend>
            {SEVERITIES.map((s) => (
              <label key={s} className="check">
                <input
                  type="checkbox"
                  checked={settings.sounds[s]}
                  onChange={(e) => change({ sounds: { ...settings.sounds, [s]: e.target.checked } })}
                />
                {s}
              </label>
            ))}
          </fieldset>
          <label className="check">
            <input
              type="checkbox"
              checked={settings.closeToTray}
              onChange={(e) => change({ closeToTray: e.target.checked })}
            />
            Keep running in the tray when the window is closed
          </label>
          <label>
            Default rows per page
            <select id="setting-page-size" value={settings.pageSize} onChange={(e) => change({ pageSize: Number(e.target.value) })}>
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          {save.isPending && <span className="saving">Saving…</span>}
          {save.isError && (
            <p role="alert" className="notice notice-error">
              Settings not saved: {messageOf(save.error)}
            </p>
          )}
        </>
      )}
    </section>
  );
}
