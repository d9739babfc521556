/**
 * Where each thing is done. A report, its list and its feedback live in the 1:1 chat only (OSL
 * 40 kap. 7 g §: secret inside the school); intake's actions live on the card in the intake channel.
 */
export const sv = {
  personalOnly: 'Det här gör du i din chatt med Värna, där bara du ser det.',
  personalOnlyHint: 'Öppna chatten med Värna under Chatt i Teams (sök på Värna) och skriv där.',
  openChat: 'Öppna chatten med Värna',
  intakeOnly: 'Det här görs på kortet i mottagningens kanal i Teams. Öppna kanalen och tryck på knappen där.',
  consultationOnly: 'Det här görs på konsultationens kort i mottagningens konsultationskanal. Öppna kanalen och svara där.',
  noIdentity: 'Värna kunde inte se vem du är, så inget visades eller sparades. Öppna Värna i Microsoft Teams och försök igen där.',
};
export type ScopeStrings = typeof sv;

export const en: ScopeStrings = {
  personalOnly: 'You do this in your chat with Värna, where only you can see it.',
  personalOnlyHint: 'Open the chat with Värna under Chat in Teams (search for Värna) and write there.',
  openChat: 'Open the chat with Värna',
  intakeOnly: "This is done on the card in the intake unit's channel in Teams. Open the channel and press the button there.",
  consultationOnly:
    "This is done on the consultation's card in the intake unit's consultations channel. Open the channel and answer there.",
  noIdentity: 'Värna could not tell who you are, so nothing was shown or saved. Open Värna in Microsoft Teams and try again there.',
};
