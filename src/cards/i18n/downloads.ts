/** The answers of the download routes (report exports, statistics), in the browser's language. */
export const sv = {
  tooManyInvalid: 'För många ogiltiga länkar. Försök igen om en stund.',
  invalid: 'Ogiltig länk.',
  reportExpired: 'Länken har gått ut. Öppna anmälan i Teams igen.',
  statisticsExpired: 'Länken har gått ut. Öppna statistiken i Teams igen.',
  teamsUnavailable: 'Teams kunde inte svara på om du är med i mottagningens team. Försök igen om en stund.',
  reportRefused:
    'Du har inte behörighet att hämta den här anmälan: bara medlemmar i den mottagande enhetens team kan hämta den. Hör du till mottagningen: be teamets ägare att lägga till dig i teamet.',
  notFound: 'Det finns ingen sådan fil.',
};
export type DownloadStrings = typeof sv;

export const en: DownloadStrings = {
  tooManyInvalid: 'Too many invalid links. Try again in a while.',
  invalid: 'Invalid link.',
  reportExpired: 'The link has expired. Open the report in Teams again.',
  statisticsExpired: 'The link has expired. Open the statistics in Teams again.',
  teamsUnavailable: 'Teams could not say whether you are in the intake team. Try again in a while.',
  reportRefused:
    "You may not download this report: only members of the receiving intake unit's team can. If you work in intake, ask the team's owner to add you to the team.",
  notFound: 'There is no such file.',
};
