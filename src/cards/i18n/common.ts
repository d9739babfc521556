const fmt = (locale: string) => ({
  dateTime: new Intl.DateTimeFormat(locale, { timeZone: 'Europe/Stockholm', dateStyle: 'medium', timeStyle: 'short' }),
  date: new Intl.DateTimeFormat(locale, { timeZone: 'Europe/Stockholm', dateStyle: 'medium' }),
});
const svFmt = fmt('sv-SE');
const enFmt = fmt('en-GB');

export const sv = {
  appName: 'Värna',
  dateTime: (d: Date) => svFmt.dateTime.format(d),
  date: (d: Date) => svFmt.date.format(d),
  back: 'Tillbaka',
  menu: 'Till menyn',
  yes: 'Ja',
  no: 'Nej',
  errors: {
    generic:
      'Något gick fel hos Värna och det du gjorde sparades inte. Försök igen om en stund. Är det bråttom: ring mottagningen, och vid akut fara 112.',
    notAllowed: 'Du har inte behörighet att göra det här, så inget ändrades. Behöver du göra det: fråga den som sköter Värna i kommunen.',
    notFound: 'Det du söker finns inte, eller så har det gallrats. Börja om från menyn: skriv "hej" till Värna.',
    conflict: 'Någon annan hann före. Kortet visar nu det senaste läget.',
    validation: 'Något behöver rättas. Se markeringarna i kortet; inget du skrivit har försvunnit.',
    unavailable:
      'Värna kan inte nå sin databas just nu, så inget sparades. Försök igen om en stund. Är det bråttom: ring mottagningen, och vid akut fara 112.',
    stale: 'Det här kortet är inaktuellt. Här är det senaste läget.',
    rateLimited:
      'Du skickar väldigt många förfrågningar i rad, så Värna tog inte emot den senaste. Vänta en halv minut och försök igen; det som redan är sparat finns kvar. Vid akut fara: ring 112.',
  },
};
export type CommonStrings = typeof sv;

export const en: CommonStrings = {
  appName: 'Värna',
  dateTime: (d: Date) => enFmt.dateTime.format(d),
  date: (d: Date) => enFmt.date.format(d),
  back: 'Back',
  menu: 'Menu',
  yes: 'Yes',
  no: 'No',
  errors: {
    generic:
      'Something went wrong in Värna and what you did was not saved. Please try again shortly. If it is urgent, call the intake unit, and 112 in an emergency.',
    notAllowed: 'You are not allowed to do this, so nothing was changed. If you need to, ask whoever runs Värna in your municipality.',
    notFound: 'What you are looking for does not exist, or it has been purged. Start again from the menu: write "hi" to Värna.',
    conflict: 'Someone else got there first. The card now shows the latest state.',
    validation: 'Something needs correcting. See the marks on the card; nothing you typed is lost.',
    unavailable:
      'Värna cannot reach its database right now, so nothing was saved. Please try again shortly. If it is urgent, call the intake unit, and 112 in an emergency.',
    stale: 'This card is out of date. Here is the latest state.',
    rateLimited:
      'You are sending a lot of requests in a row, so Värna did not take the last one. Please wait half a minute and try again; what is already saved is kept. In an emergency, call 112.',
  },
};
