import * as admin from './admin';
import * as common from './common';
import * as consultation from './consultation';
import * as duty from './duty';
import * as report from './report';
import * as intake from './intake';
import * as reminders from './reminders';
import * as welcome from './welcome';
import * as statistics from './statistics';
import * as delivery from './delivery';
import * as scope from './scope';
import * as downloads from './downloads';

import type { Locale } from '../../services/actor';

export type { Locale };

// One section per line: parallel work adds lines, not edits to the same one.
const sv = {
  locale: 'sv' as Locale,
  ...common.sv,
  welcome: welcome.sv,
  duty: duty.sv,
  report: report.sv,
  intake: intake.sv,
  admin: admin.sv,
  consultation: consultation.sv,
  reminders: reminders.sv,
  statistics: statistics.sv,
  delivery: delivery.sv,
  scope: scope.sv,
  downloads: downloads.sv,
};
export type Strings = typeof sv;
const en: Strings = {
  locale: 'en',
  ...common.en,
  welcome: welcome.en,
  duty: duty.en,
  report: report.en,
  intake: intake.en,
  admin: admin.en,
  consultation: consultation.en,
  reminders: reminders.en,
  statistics: statistics.en,
  delivery: delivery.en,
  scope: scope.en,
  downloads: downloads.en,
};

/** Swedish first; English when the user's Teams locale is English. */
export function localeOf(teamsLocale: string | undefined | null): Locale {
  return teamsLocale && /^en\b/i.test(teamsLocale) ? 'en' : 'sv';
}

export function strings(locale: Locale): Strings {
  return locale === 'en' ? en : sv;
}
