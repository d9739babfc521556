/** Anonymous consultation (avidentifierad konsultation). SoL (2025:400) 19 kap. 1 §. */
type Level = 'förskola' | 'grundskola' | 'gymnasieskola' | 'annan' | string;
type Outcome = 'report' | 'noReportNow' | 'otherSupport';

const svLevel = (level: Level) =>
  level === 'förskola'
    ? 'en förskola'
    : level === 'grundskola'
      ? 'en grundskola'
      : level === 'gymnasieskola'
        ? 'en gymnasieskola'
        : 'en skola';
const enLevel = (level: Level) =>
  level === 'förskola'
    ? 'a preschool'
    : level === 'grundskola'
      ? 'a compulsory school'
      : level === 'gymnasieskola'
        ? 'an upper secondary school'
        : 'a school';

export const sv = {
  start: 'Konsultera anonymt',
  mine: 'Mina konsultationer',
  mineTitle: 'Mina konsultationer',
  mineEmpty: 'Du har inga konsultationer.',
  mineItem: (pseudonym: string, date: string, state: string) => `${pseudonym} · ${date} · ${state}`,
  show: (pseudonym: string) => `Visa ${pseudonym}`,
  title: 'Konsultera socialtjänsten anonymt',
  intro:
    'Beskriv situationen och fråga mottagningen om råd. Mottagningen ser inte vem du är: frågan visas under ett löpnummer, och du får svaren här i chatten.',
  warning:
    '**Skriv inte barnets eller familjens namn**, personnummer, adress eller telefonnummer. Värna tar bort personnummer, telefonnummer och e-postadresser, byter ut namn, adresser och postnummer och visar dig texten innan något skickas.',
  notAReport:
    '**En konsultation ersätter inte en anmälan.** Blir rådet att anmäla måste du anmäla. Misstänker du fortfarande att barnet far illa måste du anmäla, vad rådet än blir (socialtjänstlagen (2025:400) 19 kap. 1 §). Är barnet i akut fara: ring 112.',
  textLabel: 'Beskriv situationen',
  textPlaceholder: 'Vad har du sett eller hört? Vad undrar du?',
  schoolLabel: 'Din skola',
  showSchoolLabel: 'Vad ska mottagningen se om var frågan kommer ifrån?',
  hideSchool: (example: string) => `Bara skolform och distrikt (${example})`,
  showSchool: (example: string) => `Skolans namn (${example})`,
  hideSchoolGeneric: 'Bara skolform och distrikt ("från en grundskola i Norra distriktet")',
  showSchoolGeneric: 'Skolans namn ("från Ekbackens skola")',
  send: 'Skicka till mottagningen',
  cancel: 'Avbryt',
  errors: {
    tooShort: 'Skriv din fråga, några meningar räcker.',
    tooLong: 'Texten är för lång (högst 4 000 tecken i frågan, 2 000 i ett svar).',
    unknown: 'Välj din skola.',
    noIntakeUnit: 'Ingen mottagning tar emot frågor från den skolan. Kontakta din rektor.',
    invalid: 'Kortet är inaktuellt. Börja om från menyn.',
    'reply.tooShort': 'Skriv ditt svar till mottagningen, några ord räcker.',
    'answer.tooShort': 'Skriv ett svar till frågeställaren, några ord räcker.',
  } as Record<string, string>,
  origin: (o: { kind: 'school'; schoolName: string } | { kind: 'area'; level: string; districtName: string }) =>
    o.kind === 'school' ? `från ${o.schoolName}` : `från ${svLevel(o.level)} i ${o.districtName}`,
  heading: (pseudonym: string, origin: string) => `Konsultation ${pseudonym}, ${origin}`,
  reviewTitle: 'Kontrollera innan du skickar',
  reviewIntro:
    'Värna har bytt ut det som kan vara namn, adresser eller postnummer. Det är texten nedan som skickas, med utbytena markerade. Var något av orden inte ett namn: tryck på knappen bredvid ordet.',
  reviewIntroRemovedOnly: 'Värna har tagit bort uppgifter som kan peka ut barnet. Det är texten nedan som skickas.',
  editIntro: 'Ändra texten och skicka igen. Värna kontrollerar den på nytt innan något skickas.',
  willSend: 'Det här skickas till mottagningen:',
  willSendReply: 'Det här svaret skickas till mottagningen:',
  replacedTitle: 'Utbytt i texten:',
  placeholders: { name: '[namn]', address: '[adress]', postalCode: '[postnummer]', place: '[skolan]' } as Record<string, string>,
  restore: {
    name: 'Det är inget namn',
    address: 'Det är ingen adress',
    postalCode: 'Det är inget postnummer',
    place: 'Det är inte skolan',
  } as Record<string, string>,
  restoredNote: 'står kvar',
  replaceAgain: 'Byt ut igen',
  moreReplaced: (n: number) => `${n} ord till är utbytta. Ska något av dem stå kvar: tryck på "Ändra texten".`,
  editText: 'Ändra texten',
  editReply: 'Ändra svaret',
  cancelled: 'Inget skickades, och texten är borttagen ur Värna.',
  staleReview: 'Kortet hade ändrats sedan du såg det, så inget skickades. Kontrollera texten nedan och tryck på Skicka igen.',
  reviewGone:
    'Det här kortet gäller inte längre: texten är redan skickad, borttagen eller för gammal. Börja om från menyn: skriv "hej" till Värna.',
  removed: (n: number) =>
    n === 1
      ? 'En uppgift (personnummer, telefonnummer eller e-postadress) har tagits bort och ersatts med [borttaget].'
      : `${n} uppgifter (personnummer, telefonnummer eller e-postadresser) har tagits bort och ersatts med [borttaget].`,
  kinds: {
    personnummer: 'personnummer',
    phone: 'telefonnummer',
    email: 'e-postadress',
    number: 'långt nummer',
    address: 'adress',
    postalCode: 'postnummer',
    name: 'namn',
    place: 'skolans namn',
  } as Record<string, string>,
  sendAnyway: 'Skicka',
  sentTitle: (pseudonym: string) => `Skickad: konsultation ${pseudonym}`,
  sentText: (origin: string) => `Mottagningen ser frågan ${origin}, inte ditt namn. Du får svaren här i chatten.`,
  question: 'Frågan',
  fromIntake: 'Mottagningen',
  fromTeacher: 'Frågeställaren',
  you: 'Du',
  purged: 'Texten har gallrats.',
  earlier: (n: number) => (n === 1 ? 'Ett tidigare meddelande visas inte här.' : `${n} tidigare meddelanden visas inte här.`),
  askedAt: 'Inkommen',
  status: 'Status',
  open: 'Öppen',
  closed: 'Avslutad',
  answerLabel: 'Ditt svar till frågeställaren',
  answer: 'Svara',
  outcomeLabel: 'Avsluta med utfall',
  close: 'Avsluta konsultationen',
  outcomes: {
    report: 'Gör en anmälan',
    noReportNow: 'Ingen anmälan nu — fortsätt vara uppmärksam',
    otherSupport: 'Annat stöd (elevhälsa, BUP, familjecentral)',
  } satisfies Record<Outcome, string>,
  outcomeShown: (o: Outcome) => `Utfall: ${sv.outcomes[o]}`,
  intakeNote: 'Frågeställaren är anonym för mottagningen. Svaren skickas till frågeställarens chatt.',
  answerTitle: (pseudonym: string) => `Svar på din konsultation ${pseudonym}`,
  replyLabel: 'Ditt svar till mottagningen',
  reply: 'Svara mottagningen',
  replySent: 'Ditt svar är skickat till mottagningen.',
  replyInThread: (pseudonym: string) => `Frågeställaren i ${pseudonym} svarar`,
  closedTitle: (pseudonym: string) => `Konsultation ${pseudonym} är avslutad`,
  closedReport:
    '**Rådet är att göra en anmälan.** Anmälningsplikten gäller dig personligen och genast (socialtjänstlagen (2025:400) 19 kap. 1 §). Texten från konsultationen fylls i åt dig; du lägger till barnets uppgifter.',
  closedOther:
    'Konsultationen är avslutad. Misstänker du fortfarande att barnet far illa måste du anmäla – rådet tar inte bort din anmälningsplikt (socialtjänstlagen (2025:400) 19 kap. 1 §). Ändras situationen, eller blir du mer orolig, kan du anmäla när som helst eller konsultera igen.',
  startReport: 'Gör anmälan nu',
  closedRefusal: (pseudonym: string) =>
    `Konsultation ${pseudonym} är avslutad, så svaret skickades inte. Vill du fråga mer: starta en ny konsultation från menyn. Är du orolig för barnet: gör en anmälan.`,
  closedRefusalIntake: (pseudonym: string) =>
    `Konsultation ${pseudonym} är redan avslutad, så svaret skickades inte. Inget mer behöver göras.`,
  notMember:
    'Bara medlemmar i mottagningens team kan svara på eller avsluta konsultationer, så inget skickades. Hör du till mottagningen: be teamets ägare att lägga till dig i teamet.',
  notYours: 'Du har inte behörighet: den här konsultationen är någon annans. Dina egna hittar du under "Mina konsultationer" i menyn.',
  outcomeMissing: 'Välj ett utfall innan du avslutar.',
  answerMissing: 'Skriv ett svar innan du trycker på Svara.',
  delayed: (pseudonym: string, unitName: string, phone: string) =>
    `Din konsultation ${pseudonym} har inte kommit fram till mottagningen än. Värna fortsätter att försöka. Behöver du råd nu: ring ${unitName}, ${phone}, och nämn inte barnets namn. Är barnet i akut fara: ring 112.`,
};
export type ConsultationStrings = typeof sv;

export const en: ConsultationStrings = {
  start: 'Consult anonymously',
  mine: 'My consultations',
  mineTitle: 'My consultations',
  mineEmpty: 'You have no consultations.',
  mineItem: (pseudonym, date, state) => `${pseudonym} · ${date} · ${state}`,
  show: (pseudonym) => `Show ${pseudonym}`,
  title: 'Consult the social services anonymously',
  intro:
    'Describe the situation and ask the intake unit for advice. The intake unit does not see who you are: the question is shown under a number, and you get the answers here in the chat.',
  warning:
    '**Do not write the name of the child or the family**, nor a personal identity number, address or phone number. Värna removes personal identity numbers, phone numbers and e-mail addresses, replaces names, addresses and postal codes, and shows you the text before anything is sent.',
  notAReport:
    '**A consultation does not replace a report.** If the advice is to report, you must report. If you still suspect that the child is being harmed, you must report, whatever the advice (Social Services Act (2025:400) ch. 19 s. 1). If the child is in immediate danger: call 112.',
  textLabel: 'Describe the situation',
  textPlaceholder: 'What have you seen or heard? What do you want to ask?',
  schoolLabel: 'Your school',
  showSchoolLabel: 'What should the intake unit see about where the question comes from?',
  hideSchool: (example: string) => `School type and district only (${example})`,
  showSchool: (example: string) => `The school's name (${example})`,
  hideSchoolGeneric: 'School type and district only ("from a compulsory school in Norra distriktet")',
  showSchoolGeneric: 'The school\'s name ("from Ekbackens skola")',
  send: 'Send to the intake unit',
  cancel: 'Cancel',
  errors: {
    tooShort: 'Write your question; a few sentences are enough.',
    tooLong: 'The text is too long (at most 4,000 characters in the question, 2,000 in an answer).',
    unknown: 'Choose your school.',
    noIntakeUnit: 'No intake unit takes questions from that school. Please contact your principal.',
    invalid: 'This card is out of date. Start again from the menu.',
    'reply.tooShort': 'Write your answer to the intake unit; a few words are enough.',
    'answer.tooShort': 'Write an answer to the person asking; a few words are enough.',
  },
  origin: (o) => (o.kind === 'school' ? `from ${o.schoolName}` : `from ${enLevel(o.level)} in ${o.districtName}`),
  heading: (pseudonym, origin) => `Consultation ${pseudonym}, ${origin}`,
  reviewTitle: 'Check before you send',
  reviewIntro:
    'Värna has replaced what may be names, addresses or postal codes. The text below is what will be sent, with the replacements marked. If one of the words was not a name, press the button next to it.',
  reviewIntroRemovedOnly: 'Värna has removed details that could point out the child. The text below is what will be sent.',
  editIntro: 'Edit the text and send it again. Värna checks it again before anything is sent.',
  willSend: 'This is sent to the intake unit:',
  willSendReply: 'This answer is sent to the intake unit:',
  replacedTitle: 'Replaced in the text:',
  placeholders: { name: '[namn]', address: '[adress]', postalCode: '[postnummer]', place: '[skolan]' },
  restore: {
    name: 'That is not a name',
    address: 'That is not an address',
    postalCode: 'That is not a postal code',
    place: 'That is not the school',
  },
  restoredNote: 'stays',
  replaceAgain: 'Replace again',
  moreReplaced: (n) => `${n} more words are replaced. If one of them should stay, press "Edit the text".`,
  editText: 'Edit the text',
  editReply: 'Edit the answer',
  cancelled: 'Nothing was sent, and the text has been removed from Värna.',
  staleReview: 'The card had changed since you saw it, so nothing was sent. Check the text below and press Send again.',
  reviewGone:
    'This card no longer applies: the text has already been sent, removed or is too old. Start again from the menu: write "hi" to Värna.',
  removed: (n) =>
    n === 1
      ? 'One detail (personal identity number, phone number or e-mail address) has been removed and replaced by [borttaget].'
      : `${n} details (personal identity numbers, phone numbers or e-mail addresses) have been removed and replaced by [borttaget].`,
  kinds: {
    personnummer: 'personal identity number',
    phone: 'phone number',
    email: 'e-mail address',
    number: 'long number',
    address: 'address',
    postalCode: 'postal code',
    name: 'name',
    place: 'school name',
  },
  sendAnyway: 'Send',
  sentTitle: (pseudonym) => `Sent: consultation ${pseudonym}`,
  sentText: (origin) => `The intake unit sees the question ${origin}, not your name. You get the answers here in the chat.`,
  question: 'The question',
  fromIntake: 'Intake unit',
  fromTeacher: 'The person asking',
  you: 'You',
  purged: 'The text has been purged.',
  earlier: (n) => (n === 1 ? 'One earlier message is not shown here.' : `${n} earlier messages are not shown here.`),
  askedAt: 'Received',
  status: 'Status',
  open: 'Open',
  closed: 'Closed',
  answerLabel: 'Your answer to the person asking',
  answer: 'Answer',
  outcomeLabel: 'Close with outcome',
  close: 'Close the consultation',
  outcomes: {
    report: 'Make a report',
    noReportNow: 'No report now — stay attentive',
    otherSupport: 'Other support (pupil health, BUP, family centre)',
  },
  outcomeShown: (o) => `Outcome: ${en.outcomes[o]}`,
  intakeNote: 'The person asking is anonymous to the intake unit. Answers go to their chat.',
  answerTitle: (pseudonym) => `Answer to your consultation ${pseudonym}`,
  replyLabel: 'Your answer to the intake unit',
  reply: 'Answer the intake unit',
  replySent: 'Your answer has been sent to the intake unit.',
  replyInThread: (pseudonym) => `The person asking in ${pseudonym} answers`,
  closedTitle: (pseudonym) => `Consultation ${pseudonym} is closed`,
  closedReport:
    "**The advice is to make a report.** The duty to report rests on you personally and applies at once (Social Services Act (2025:400) ch. 19 s. 1). The text of the consultation is filled in for you; you add the child's details.",
  closedOther:
    'The consultation is closed. If you still suspect that the child is being harmed, you must report – the advice does not lift your duty to report (Social Services Act (2025:400) ch. 19 s. 1). If the situation changes or you become more worried, you can report at any time or consult again.',
  startReport: 'Make the report now',
  closedRefusal: (pseudonym) =>
    `Consultation ${pseudonym} is closed, so your answer was not sent. To ask more, start a new consultation from the menu. If you are worried about the child, make a report.`,
  closedRefusalIntake: (pseudonym) => `Consultation ${pseudonym} is already closed, so the answer was not sent. Nothing more needs doing.`,
  notMember:
    "Only members of the intake unit's team can answer or close consultations, so nothing was sent. If you belong to intake, ask the team's owner to add you to the team.",
  notYours: 'You are not allowed: this consultation is someone else\'s. Yours are under "My consultations" in the menu.',
  outcomeMissing: 'Choose an outcome before closing.',
  answerMissing: 'Write an answer before pressing Answer.',
  delayed: (pseudonym, unitName, phone) =>
    `Your consultation ${pseudonym} has not reached the intake unit yet. Värna keeps trying. If you need advice now, call ${unitName}, ${phone}, and do not name the child. If the child is in immediate danger, call 112.`,
};
