// Every text the console shows comes from these catalogues: one file per language and
// screen under locales/<language>/<namespace>.json. English is the reference; French and
// Spanish are complete (a unit test compares their keys). Only `common` is bundled with
// the shell; each screen's catalogue is loaded with the screen, in the chosen language.
import i18next, { type BackendModule } from "i18next";
import { initReactI18next } from "react-i18next";

export const languages = ["en", "fr", "es"] as const;
export type Language = (typeof languages)[number];

type Catalogue = Record<string, unknown>;

const common = import.meta.glob<{ default: Catalogue }>("./locales/*/common.json", { eager: true });
const screens = import.meta.glob<{ default: Catalogue }>(["./locales/*/*.json", "!./locales/*/common.json"]);

const resources: Record<string, Record<string, Catalogue>> = {};
for (const [path, module] of Object.entries(common)) {
  const language = /\.\/locales\/([^/]+)\//.exec(path)?.[1];
  if (language !== undefined) (resources[language] ??= {}).common = module.default;
}

/** Loads a screen's catalogue when a screen first asks for its namespace. */
const screenCatalogues: BackendModule = {
  type: "backend",
  init: () => undefined,
  read: (language, namespace, callback) => {
    const load = screens[`./locales/${language}/${namespace}.json`];
    if (load === undefined) {
      callback(new Error(`no catalogue ${language}/${namespace}`), false);
      return;
    }
    load().then(
      (module) => {
        callback(null, module.default);
      },
      (error: unknown) => {
        callback(error instanceof Error ? error : new Error(String(error)), false);
      },
    );
  },
};

const storageKey = "engage.language";

function initialLanguage(): Language {
  const saved = window.localStorage.getItem(storageKey);
  const wanted = [saved, ...navigator.languages].map((l) => l?.slice(0, 2));
  return wanted.find((l): l is Language => languages.includes(l as Language)) ?? "en";
}

export function setupI18n() {
  void i18next
    .use(screenCatalogues)
    .use(initReactI18next)
    .init({
      resources,
      // The shell's catalogue is bundled; the screens' come from the backend.
      partialBundledLanguages: true,
      lng: initialLanguage(),
      fallbackLng: "en",
      defaultNS: "common",
      ns: ["common"],
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
