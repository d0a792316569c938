// The operator's preferences, read once and saved through `save_settings`; the theme is
// applied to the document (and the native window frame) as soon as it is known.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getCurrentWindow } from "@tauri-apps/api/window";
import { useEffect, useLayoutEffect, useState } from "react";
import { api } from "../api";
import type { Theme } from "../bindings";
import { queryKeys } from "../queryKeys";

export function useSettings() {
  const qc = useQueryClient();
  const query = useQuery({
    queryKey: queryKeys.settings,
    queryFn: api.getSettings,
    staleTime: Infinity,
  });
  const save = useMutation({
    mutationFn: api.saveSettings,
    onSuccess: (saved) => qc.setQueryData(queryKeys.settings, saved),
  });
  return { settings: query.data, error: query.error, save };
}

function systemDark(): boolean {
  return (
    typeof window.matchMedia === "function" &&
    window.matchMedia("(prefers-color-scheme: dark)").matches
  );
}

/** "light" or "dark": the chosen theme, or the system's when the choice is "system". */
export function resolveTheme(theme: Theme, prefersDark: boolean): "light" | "dark" {
  if (theme === "system") return prefersDark ? "dark" : "light";
  return theme;
}

/** Keeps `<html data-theme>` in step with the setting and, for "system", with the OS. */
export function useTheme(theme: Theme | undefined) {
  const [prefersDark, setPrefersDark] = useState(systemDark);
  useEffect(() => {
    if (typeof window.matchMedia !== "function") return;
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    const onChange = () => setPrefersDark(media.matches);
    media.addEventListener("change", onChange);
    return () => media.removeEventListener("change", onChange);
  }, []);
  const resolved = resolveTheme(theme ?? "system", prefersDark);
  // Before the paint, so that no frame shows the window without its theme.
  useLayoutEffect(() => {
    document.documentElement.dataset.theme = resolved;
  }, [resolved]);
  useEffect(() => {
    if (theme === undefined || !("__TAURI_INTERNALS__" in window)) return;
    // The native frame follows too; `null` hands it back to the OS.
    getCurrentWindow()
      .setTheme(theme === "system" ? null : theme)
      .catch(() => undefined);
  }, [theme]);
  return resolved;
}
