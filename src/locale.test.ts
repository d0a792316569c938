import { describe, expect, it } from "vitest";
import { formatWhen } from "./format";
import { isUsableLocale, settleLocale, usableLocale } from "./locale";

describe("the locale dates and numbers are shown in", () => {
  it("takes a real language tag and replaces C, POSIX and invalid tags with en-US", () => {
    for (const tag of ["en-US", "de-DE", "fr", "pt-BR", "en-GB"]) {
      expect(isUsableLocale(tag), tag).toBe(true);
      expect(usableLocale(tag)).toBe(tag);
    }
    for (const tag of [
      "C",
      "c",
      "C.UTF-8",
      "POSIX",
      "posix",
      "",
      "not a tag!",
      "en_US.UTF-8@euro",
      null,
      undefined,
    ]) {
      expect(isUsableLocale(tag), String(tag)).toBe(false);
      expect(usableLocale(tag)).toBe("en-US");
    }
  });

  it("makes navigator.language usable for libraries that read it, and leaves a usable one alone", () => {
    const c = { language: "C", languages: ["C"] } as unknown as Navigator;
    settleLocale(c);
    expect(c.language).toBe("en-US");
    expect(c.languages).toEqual(["en-US"]);
    // What uPlot does at import: format numbers with navigator.language.
    expect(new Intl.NumberFormat(c.language).format(1234.5)).toBe("1,234.5");
    const de = { language: "de-DE", languages: ["de-DE"] } as unknown as Navigator;
    settleLocale(de);
    expect(de.language).toBe("de-DE");
  });
});

describe("when an event happened", () => {
  it("shows the time for today and the date with the time for older events", () => {
    const now = new Date(2026, 10, 26, 15, 30).getTime();
    const thisMorning = new Date(2026, 10, 26, 8, 5, 9).getTime();
    const yesterday = new Date(2026, 10, 25, 23, 59).getTime();
    const lastYear = new Date(2025, 10, 26, 8, 5).getTime();
    expect(formatWhen(thisMorning, now)).toMatch(/^0?8:05:09/);
    expect(formatWhen(yesterday, now)).toMatch(/Nov 25/);
    expect(formatWhen(yesterday, now)).toMatch(/11:59|23:59/);
    expect(formatWhen(lastYear, now)).toMatch(/Nov 26/);
    expect(formatWhen(lastYear, now)).not.toBe(formatWhen(thisMorning, now));
  });
});
