import * as common from './common';
import * as consultation from './consultation';
import * as duty from './duty';
import * as welcome from './welcome';

export type Locale = 'sv' | 'en';

const sv = { locale: 'sv' as Locale, ...common.sv, welcome: welcome.sv, duty: duty.sv, consultation: consultation.sv };
export type Strings = typeof sv;
const en: Strings = { locale: 'en', ...common.en, welcome: welcome.en, duty: duty.en, consultation: consultation.en };

/** Swedish first; English when the user's Teams locale is English. */
export function localeOf(teamsLocale: string | undefined | null): Locale {
  return teamsLocale && /^en\b/i.test(teamsLocale) ? 'en' : 'sv';
}

export function strings(locale: Locale): Strings {
  return locale === 'en' ? en : sv;
}
