import type { Outcome } from '../../services/intake';

/** Texts for the intake team's card and for what the reporter is told (SoL (2025:400) 19 kap. 5–6 §§). */
export const sv = {
  take: 'Bekräfta mottagen / Ta ärendet',
  takeConfirm: 'Ta ärendet',
  phone: 'Ditt telefonnummer (anmälaren får det; sparas till nästa gång)',
  protection: 'Skyddsbedömning gjord',
  protectionImmediate: 'Behövs omedelbart skydd?',
  protectionYes: 'Ja, omedelbart skydd behövs',
  protectionNo: 'Nej',
  record: 'Spara',
  decision: 'Beslut om utredning',
  decisionOutcome: 'Beslut',
  decisionDate: 'Beslutsdatum',
  sendUnasked: 'Skicka återkoppling även om anmälaren inte bett om det',
  inappropriate: 'Återkoppling olämplig',
  inappropriateReason: 'Varför är återkoppling olämplig? (stannar i Värna, skickas aldrig)',
  meeting: 'Erbjud anmälningsmöte',
  meetingConfirm: 'Ja, erbjud anmälningsmöte',
  outcomes: { opened: 'Utredning inleds', notOpened: 'Utredning inleds inte', alreadyOngoing: 'Utredning pågår redan' } satisfies Record<
    Outcome,
    string
  >,
  state: {
    handler: 'Handläggare',
    notTaken: 'Ingen har tagit ärendet än',
    protection: 'Skyddsbedömning',
    immediate: 'omedelbart skydd behövs',
    noImmediate: 'inget omedelbart skydd',
    decision: 'Beslut',
    feedback: 'Återkoppling',
    feedbackSent: 'skickad till anmälaren',
    feedbackNotAsked: 'anmälaren har inte bett om den',
    feedbackInappropriate: 'olämplig – ingen återkoppling om beslutet',
    feedbackPending: 'skickas när beslutet är fattat',
    meeting: 'Anmälningsmöte',
    meetingOffered: 'erbjudet',
  },
  clocks: {
    title: 'Tidsfrister',
    protection: 'Skyddsbedömning (20 kap. 1 §)',
    decision: 'Beslut inom 14 dagar (20 kap. 2 §)',
    feedback: 'Återkoppling inom en vecka (19 kap. 6 §)',
    due: (d: string) => `senast ${d}`,
    overdue: (d: string) => `FÖRSENAD – skulle vara klar ${d}`,
    done: (d: string) => `klar ${d}`,
    doneLate: (d: string, due: string) => `klar ${d} – EFTER fristen ${due}`,
    now: 'GENAST – akut anmälan',
  },
  /** A decision recorded before the protection assessment (issue 22 §4). */
  order: {
    formWarning:
      'Skyddsbedömningen är inte registrerad än. Den görs först, genast (20 kap. 1 §); registrerar du beslutet nu sparas att det kom före skyddsbedömningen.',
    cardWarning: 'Beslutet registrerades före skyddsbedömningen.',
    history: '; före skyddsbedömningen',
  },
  /** The take form, in a dialog: the handler's own phone, prefilled from their last take. */
  takeForm: {
    title: (ref: string) => `Ta ärendet ${ref}`,
    intro: 'Anmälaren får ditt namn och telefonnummer som kontaktuppgift.',
    phone: 'Ditt telefonnummer',
    prefilled: 'Ifyllt från när du senast tog ett ärende. Ändra om det inte stämmer.',
    confirm: 'Ta ärendet',
    done: (ref: string) => `Du har tagit ärendet ${ref}. Anmälaren har fått ditt namn och telefonnummer.`,
  },
  acute: {
    alert: (ref: string) =>
      `AKUT: anmälan ${ref} gäller ett barn som enligt anmälaren är i akut fara, och ingen har tagit den än. Skyddsbedömningen ska göras genast (SoL (2025:400) 20 kap. 1 §). Ta ärendet på kortet ovan.`,
    summary: (ref: string) => `AKUT: anmälan ${ref} väntar på att någon tar den`,
    repeat: (n: number, minutes: number) => `Påminnelse ${n} – ${minutes} minuter sedan anmälan kom in.`,
    outOfHours: 'Anmälan kom in utanför kontorstid. Anmälaren har uppmanats att ringa socialjouren.',
    onCallTitle: (ref: string) => `AKUT orosanmälan ${ref} utanför kontorstid`,
    onCallText: (unit: string, onCallPhone: string) =>
      `Anmälaren anger att barnet är i akut fara. ${unit} läser inte sin kanal förrän kontorstid; anmälaren har uppmanats att ringa socialjouren, ${onCallPhone}. Hela anmälan öppnas bara av mottagningens medlemmar, i mottagningens kanal.`,
    school: 'Skola',
    received: 'Inkom',
  },
  history: {
    title: 'Historik',
    submitted: 'Anmälan inkom',
    take: (who: string) => `${who} tog ärendet; anmälaren fick kontaktuppgifter`,
    protection: (who: string, immediate: boolean) =>
      `${who}: skyddsbedömning gjord (${immediate ? 'omedelbart skydd behövs' : 'inget omedelbart skydd'})`,
    decision: (who: string, outcome: string, sent: boolean) => `${who}: ${outcome.toLowerCase()}${sent ? '; återkoppling skickad' : ''}`,
    inappropriate: (who: string) => `${who}: återkoppling bedömd olämplig`,
    meeting: (who: string) => `${who}: anmälningsmöte erbjudet`,
    feedbackRequested: (sent: boolean) => `Anmälaren bad om återkoppling${sent ? '; skickad' : ''}`,
  },
  refusals: {
    taken: (by: string) =>
      `${by || 'En kollega'} har redan tagit ärendet. Kortet visar vem som handlägger det; prata med den personen om ni behöver byta.`,
    decided: 'Beslutet är redan registrerat. Kortet visar det senaste läget.',
    assessed: 'Skyddsbedömningen är redan registrerad. Kortet visar det senaste läget.',
    alreadyMarked: 'Återkopplingen är redan markerad som olämplig, så inget mer behöver göras.',
    alreadyOffered: 'Anmälningsmöte är redan erbjudet, så inget mer behöver göras.',
    phoneRequired: 'Fyll i ditt telefonnummer: anmälaren ska få en kontaktperson med telefon.',
    phoneInvalid: 'Skriv ett telefonnummer, t.ex. 0123-456 01.',
    reasonRequired: 'Skriv varför återkoppling är olämplig.',
    dateInvalid: 'Skriv beslutsdatumet som ÅÅÅÅ-MM-DD.',
    dateFuture: 'Beslutsdatumet ligger i framtiden. Skriv dagens datum eller ett tidigare.',
    phoneRequiredField: 'Fyll i ditt telefonnummer – anmälaren ska få en kontaktperson med telefon.',
    phoneInvalidField: 'Det här ser inte ut som ett telefonnummer. Skriv t.ex. 0123-456 01.',
    dateBeforeReport: 'Beslutsdatumet ligger före dagen då anmälan kom in. Skriv beslutets datum, samma dag som anmälan eller senare.',
    notMember:
      'Du har inte behörighet: bara medlemmar i den mottagande enhetens team kan göra det här, så inget ändrades. Hör du till mottagningen: be teamets ägare att lägga till dig i teamet.',
  },
  alerts: {
    ack: (ref: string) => `Påminnelse: anmälan ${ref} är inte bekräftad som mottagen. Anmälaren väntar på en kontaktperson.`,
    decisionOverdue: (ref: string, due: string) =>
      `Beslut om utredning för ${ref} skulle ha fattats senast ${due} (SoL (2025:400) 20 kap. 2 §).`,
  },
  feedback: {
    title: (ref: string) => `Besked om din anmälan ${ref}`,
    received: (name: string, phone: string) =>
      `Socialtjänstens mottagning har tagit emot anmälan. Din kontaktperson är ${name}, telefon ${phone}.`,
    investigation: {
      opened: 'Socialtjänsten har beslutat att inleda en utredning.',
      notOpened: 'Socialtjänsten har beslutat att inte inleda en utredning.',
      alreadyOngoing: 'En utredning om barnet pågår redan.',
    } satisfies Record<Outcome, string>,
    meeting: 'Socialtjänsten erbjuder ett anmälningsmöte. Mottagningen kontaktar dig för att bestämma tid.',
    law: 'Beskedet lämnas enligt socialtjänstlagen (2025:400) 19 kap. 6 § och offentlighets- och sekretesslagen 26 kap. 9 a §.',
    lawMeeting: 'Anmälningsmöte enligt socialtjänstlagen (2025:400) 19 kap. 5 §.',
    secrecy:
      'Mer än så kan socialtjänsten inte berätta, på grund av sekretess (OSL 26 kap. 1 §). I skolan är beskedet hemligt (OSL 40 kap. 7 g §): berätta det bara för dem som enligt er rutin behöver veta.',
    informationDuty: 'Om socialtjänsten behöver uppgifter från skolan i utredningen är skolan skyldig att lämna dem (20 kap. 6 §).',
  },
  registration: {
    action: 'Registrerad i verksamhetssystemet',
    confirm: 'Ja, anmälan är registrerad',
    explain:
      'Anmälan är en allmän handling hos socialtjänsten från det att den kom in och ska registreras i verksamhetssystemet. Värnas kopia gallras först när den är registrerad där, enligt kommunens gallringsbeslut. En export (JSON eller PDF) räknas också som registrering.',
    state: 'Verksamhetssystemet',
    notYet: 'inte markerad som registrerad – Värna gallrar den inte förrän den är det',
    done: (when: string, who: string) => `registrerad ${when}${who ? ` av ${who}` : ''}`,
    history: (who: string, viaExport: boolean) =>
      viaExport ? 'Exporterad – räknas som registrerad i verksamhetssystemet' : `${who}: registrerad i verksamhetssystemet`,
    already: 'Anmälan är redan markerad som registrerad i verksamhetssystemet. Kortet visar det senaste läget.',
    purgeDue: (ref: string, date: string, decision: string | undefined) =>
      `Anmälan ${ref} är inte markerad som registrerad i verksamhetssystemet. Enligt ${decision ? `kommunens gallringsbeslut (${decision})` : 'kommunens gallringsbeslut'} ska Värnas kopia gallras ${date}, men Värna gallrar den inte förrän någon i mottagningen har registrerat den och tryckt "Registrerad i verksamhetssystemet" (eller exporterat den).`,
  },
  purged: {
    text: (decision: string | undefined) => `Anmälan gallrad enligt kommunens gallringsbeslut${decision ? ` (${decision})` : ''}.`,
    mine: 'Gallrad enligt kommunens gallringsbeslut',
  },
  mine: {
    title: 'Mina anmälningar',
    none: 'Du har inte gjort några anmälningar i Värna.',
    status: { sent: 'Skickad', received: (name: string) => `Mottagen av ${name}` },
    askFeedback: 'Be om återkoppling',
    asked: 'Du har bett om återkoppling.',
    more: 'Visa fler',
    newer: 'Nyare',
    page: (n: number) => `Sida ${n}`,
  },
};
export type IntakeStrings = typeof sv;

export const en: IntakeStrings = {
  ...sv,
  mine: {
    title: 'My reports',
    none: 'You have not made any reports in Värna.',
    status: { sent: 'Sent', received: (name) => `Received by ${name}` },
    askFeedback: 'Ask for feedback',
    asked: 'You have asked for feedback.',
    more: 'Show more',
    newer: 'Newer',
    page: (n) => `Page ${n}`,
  },
  outcomes: { opened: 'Investigation opened', notOpened: 'Investigation not opened', alreadyOngoing: 'Investigation already ongoing' },
  purged: {
    text: (decision) => `Report purged under the municipality's retention decision${decision ? ` (${decision})` : ''}.`,
    mine: "Purged under the municipality's retention decision",
  },
  feedback: {
    title: (ref) => `News about your report ${ref}`,
    received: (name, phone) => `The social services intake unit has received the report. Your contact person is ${name}, phone ${phone}.`,
    investigation: {
      opened: 'The social services have decided to open an investigation.',
      notOpened: 'The social services have decided not to open an investigation.',
      alreadyOngoing: 'An investigation about the child is already ongoing.',
    },
    meeting: 'The social services offer a joint meeting. The intake unit will contact you to set a time.',
    law: 'This is given under the Social Services Act (2025:400) ch. 19 s. 6 and the Public Access to Information and Secrecy Act ch. 26 s. 9 a.',
    lawMeeting: 'Joint meeting under the Social Services Act (2025:400) ch. 19 s. 5.',
    secrecy:
      'The social services cannot tell you more, because of secrecy (OSL ch. 26 s. 1). At the school this news is secret (OSL ch. 40 s. 7 g): tell only those who need to know under your routine.',
    informationDuty:
      'If the social services need information from the school for the investigation, the school must provide it (ch. 20 s. 6).',
  },
};
