// Every text the console shows comes from these catalogues: one file per language and
// screen under locales/<language>/<namespace>.json. English is the reference; French and
// Spanish are complete (a unit test compares their keys).
import i18next from "i18next";
import { initReactI18next } from "react-i18next";

export const languages = ["en", "fr", "es"] as const;
export type Language = (typeof languages)[number];

const files = import.meta.glob<{ default: Record<string, unknown> }>("./locales/*/*.json", { eager: true });

export const resources: Record<string, Record<string, Record<string, unknown>>> = {};
for (const [path, module] of Object.entries(files)) {
  const match = /\.\/locales\/([^/]+)\/([^/]+)\.json$/.exec(path);
  if (match?.[1] === undefined || match[2] === undefined) continue;
  (resources[match[1]] ??= {})[match[2]] = module.default;
}

const storageKey = "engage.language";

function initialLanguage(): Language {
  const saved = window.localStorage.getItem(storageKey);
  const wanted = [saved, ...navigator.languages].map((l) => l?.slice(0, 2));
  return wanted.find((l): l is Language => languages.includes(l as Language)) ?? "en";
}

export function setupI18n() {
  void i18next.use(initReactI18next).init({
    resources,
    lng: initialLanguage(),
    fallbackLng: "en",
    defaultNS: "common",
    ns: Object.keys(resources.en ?? {}),
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  applyDirection();
  i18next.on("languageChanged", (lng) => {
    window.localStorage.setItem(storageKey, lng);
    applyDirection();
  });
  return i18next;
}

/** The page's language and writing direction follow the chosen language. */
function applyDirection() {
  const lng = i18next.language;
  document.documentElement.lang = lng;
  document.documentElement.dir = i18next.dir(lng);
}
