export const sv = {
  /** On a message resent after an interrupted send that could not be checked (docs/security.md). */
  possibleRepeat: 'Obs! Kan upprepa ett tidigare meddelande (leveransen avbröts och kunde inte kontrolleras).',
};
export type DeliveryStrings = typeof sv;

export const en: DeliveryStrings = {
  possibleRepeat: 'Note: this may repeat an earlier message (delivery was interrupted and could not be checked).',
};
