// The locale dates and numbers are shown in. A system whose locale is not a BCP 47 tag
// (`LANG=C`, `C.UTF-8`, `POSIX`: common in containers and minimal installs) makes WebKit's
// `Intl` reject it, and libraries that format with `navigator.language` (uPlot does, when it
// is imported) fail. Such a locale is replaced by en-US, here and for those libraries.

const FALLBACK = "en-US";

/** Whether `tag` is a locale `Intl` accepts and that means a language (not C or POSIX). */
export function isUsableLocale(tag: string | undefined | null): tag is string {
  if (!tag) return false;
  const base = tag.split(/[.@]/)[0] ?? "";
  if (base === "" || /^(c|posix)$/i.test(base)) return false;
  try {
    // Both throw a RangeError for a tag they reject.
    new Intl.DateTimeFormat(tag);
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/** The locale to format with: the system's when usable, else en-US. */
export function usableLocale(
  tag: string | undefined | null = globalThis.navigator?.language,
): string {
  return isUsableLocale(tag) ? tag : FALLBACK;
}

/**
 * Makes `navigator.language` (and `languages`) usable for libraries that read it: when the
 * system's is not, they say en-US. Call before such a library is imported.
 */
export function settleLocale(nav: Navigator | undefined = globalThis.navigator): void {
  if (!nav || isUsableLocale(nav.language)) return;
  try {
    Object.defineProperty(nav, "language", { value: FALLBACK, configurable: true });
    Object.defineProperty(nav, "languages", { value: [FALLBACK], configurable: true });
  } catch {
    // A navigator that cannot be changed: formatting here still uses usableLocale().
  }
}
