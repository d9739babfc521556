/** Reminders: the annual cycle (årshjul), the draft nudge, the principal's digest, the intake summary. */
export const sv = {
  cycleLabel: 'Årshjulet',
  school: 'Skola',
  due: 'Påminnelse från',
  done: 'Klart',
  snooze: 'Påminn mig om en vecka',
  openLink: 'Öppna materialet',
  dutyCards: 'Om anmälningsplikten – att gå igenom med personalen',
  doneNote: (when: string) => `Markerat klart ${when}.`,
  doneBy: 'Markerat av',
  snoozedNote: (when: string) => `Jag påminner dig igen ${when}.`,
  statsNote:
    'När du trycker Klart räknas det i uppföljningen för skolan (till exempel hur många skolor som gått igenom anmälningsplikten med personalen den här terminen).',
  period: (p: { kind: 'year'; year: number } | { kind: 'term'; term: string }) =>
    p.kind === 'year' ? String(p.year) : `${p.term.slice(5)} ${p.term.slice(0, 4)}`,
  figuresPdf: (period: string) => `Värnas siffror för ${period} (PDF)`,
  figuresNote:
    'Samma siffror som i statistiken, för det du har behörighet att se; tal som inte visas (färre än 5 fall, eller dolda för att skydda ett litet antal) står som ”..”. Länken gäller en kort stund och förnyas när du öppnar kortet.',
  figuresUnavailable: 'Siffrorna finns i statistiken: skriv "statistik".',
  refresh: 'Uppdatera',

  draftTitle: 'Din anmälan är inte skickad',
  draftText:
    'Du har påbörjat en orosanmälan som inte är skickad. Anmälningsplikten gäller **genast** – skicka den nu, inte i slutet av veckan. Misstanke räcker; socialtjänsten utreder.',
  draftStarted: 'Påbörjad',
  draftAcute: 'Är barnet i akut fara? Ring 112.',
  draftResume: 'Fortsätt med anmälan',
  draftLaw: 'Socialtjänstlagen (2025:400) 19 kap. 1 §',

  digestTitle: (school: string) => `Veckans sammanfattning: ${school}`,
  digestPeriod: (from: string, to: string) => `${from} – ${to}`,
  digestSent: 'Anmälningar skickade',
  digestAwaitingReceipt: 'Väntar på mottagningskvittens',
  digestDecisionsOverdue: 'Förhandsbedömning mer än 14 dagar',
  digestFeedbackGiven: 'Återkoppling lämnad till anmälare',
  digestConsultations: 'Konsultationer utan namn',
  digestCountsOnly: 'Bara antal: anmälan och återkopplingen omfattas av sekretess i skolan (OSL 40 kap. 7 g §).',
  digestSmall: 'Färre än 5 visas som <5, så att ingen enskild anmälan kan pekas ut.',
  digestReferences: 'Anmälningar där du är part enligt rutinen (referens och läge, aldrig innehåll)',
  stage: { awaitingReceipt: 'Väntar på kvittens', received: 'Mottagen', decided: 'Förhandsbedömning klar' },
  digestNone: 'Inga anmälningar att visa.',

  summaryTitle: (unit: string, day: string) => `Att göra i dag, ${day}: ${unit}`,
  summaryProtection: 'Skyddsbedömning (20 kap. 1 §)',
  summaryDecision: 'Beslut om utredning inom 14 dagar (20 kap. 2 §)',
  summaryFeedback: 'Återkoppling inom en vecka från beslutet (19 kap. 6 §)',
  summaryReceipt: 'Utan mottagningskvittens',
  summaryUnregistered:
    'Snart dags att gallra, men inte markerade som registrerade i verksamhetssystemet (Värna gallrar dem inte förrän de är det)',
  overdue: 'Försenade',
  dueToday: 'Förfaller i dag',
  more: (n: number) => `och ${n} till`,
  summaryLaw: 'Socialtjänstlagen (2025:400)',

  unreachableTitle: 'Rektorer som Värna inte når',
  unreachableNone: 'Värna når alla rektorer i konfigurationen.',
  unreachableIntro: (n: number) =>
    `${n} rektorer har inte Värna installerat och får inga påminnelser. Installera appen åt dem i Teams administrationscenter (policy för appkonfiguration, "Installed apps") – se README.`,
  unreachableNoName: 'namn saknas i konfigurationen',
  unreachableMore: (n: number) => `… och ${n} till.`,
  unreachableCommand: 'vem når inte Värna?',
  unreachableMenu: 'Vem når inte Värna?',
  unreachableRefused:
    'Du har inte behörighet till listan över rektorer som Värna inte når; den är till för statistikrollen. Behöver du den: fråga den som sköter Värna i kommunen.',
  refused:
    'Du har inte behörighet att bocka av den här påminnelsen, så inget ändrades. Det gör rektorn för skolan, eller mottagningens team för mottagningens påminnelser.',
};
export type RemindersStrings = typeof sv;

export const en: RemindersStrings = {
  cycleLabel: 'Annual cycle',
  school: 'School',
  due: 'Reminder from',
  done: 'Done',
  snooze: 'Remind me in a week',
  openLink: 'Open the material',
  dutyCards: 'About the duty to report – to go through with staff',
  doneNote: (when: string) => `Marked done ${when}.`,
  doneBy: 'Marked by',
  snoozedNote: (when: string) => `I will remind you again ${when}.`,
  statsNote:
    'Pressing Done counts for the school in the follow-up (for example how many schools briefed their staff on the duty to report this term).',
  period: (p: { kind: 'year'; year: number } | { kind: 'term'; term: string }) =>
    p.kind === 'year' ? String(p.year) : `${p.term.endsWith('VT') ? 'the spring term' : 'the autumn term'} ${p.term.slice(0, 4)}`,
  figuresPdf: (period: string) => `Värna's figures for ${period} (PDF)`,
  figuresNote:
    'The same figures as in the statistics, for what you may see; figures not shown (fewer than 5 cases, or hidden to protect a small number) are printed as "..". The link is valid for a short while and renewed when you open the card.',
  figuresUnavailable: 'The figures are in the statistics: type "statistics".',
  refresh: 'Refresh',

  draftTitle: 'Your report has not been sent',
  draftText:
    'You have started a report of concern that is not sent. The duty is to report **at once** – send it now, not at the end of the week. Suspicion is enough; the social services investigate.',
  draftStarted: 'Started',
  draftAcute: 'Is the child in immediate danger? Call 112.',
  draftResume: 'Continue the report',
  draftLaw: 'Social Services Act (2025:400) ch. 19 s. 1',

  digestTitle: (school: string) => `This week's summary: ${school}`,
  digestPeriod: (from: string, to: string) => `${from} – ${to}`,
  digestSent: 'Reports sent',
  digestAwaitingReceipt: 'Awaiting receipt',
  digestDecisionsOverdue: 'Pre-assessment past 14 days',
  digestFeedbackGiven: 'Feedback given to reporters',
  digestConsultations: 'Consultations without names',
  digestCountsOnly: 'Numbers only: at the school, reports and feedback are secret (OSL ch. 40 s. 7 g).',
  digestSmall: 'Fewer than 5 is shown as <5, so that no single report can be pointed out.',
  digestReferences: 'Reports where the routine makes you a party (reference and stage, never content)',
  stage: { awaitingReceipt: 'Awaiting receipt', received: 'Received', decided: 'Pre-assessment done' },
  digestNone: 'No reports to show.',

  summaryTitle: (unit: string, day: string) => `To do today, ${day}: ${unit}`,
  summaryProtection: 'Protection assessment (ch. 20 s. 1)',
  summaryDecision: 'Decision whether to investigate within 14 days (ch. 20 s. 2)',
  summaryFeedback: 'Feedback within a week of the decision (ch. 19 s. 6)',
  summaryReceipt: 'Without receipt',
  summaryUnregistered: 'Soon due for purging, but not marked as registered in the case management system (Värna keeps them until they are)',
  overdue: 'Overdue',
  dueToday: 'Due today',
  more: (n: number) => `and ${n} more`,
  summaryLaw: 'Social Services Act (2025:400)',

  unreachableTitle: 'Principals Värna cannot reach',
  unreachableNone: 'Värna reaches every principal in the configuration.',
  unreachableIntro: (n: number) =>
    `${n} principals do not have Värna installed and get no reminders. Install the app for them in the Teams admin center (app setup policy, "Installed apps") – see the README.`,
  unreachableNoName: 'no name in the configuration',
  unreachableMore: (n: number) => `… and ${n} more.`,
  unreachableCommand: 'who can Värna not reach?',
  unreachableMenu: 'Who can Värna not reach?',
  unreachableRefused:
    'You do not have access to the list of principals Värna cannot reach; it is for the statistics role. If you need it, ask whoever runs Värna in your municipality.',
  refused:
    "You are not allowed to tick off this reminder, so nothing was changed. The principal of the school does that, or the intake team for the intake unit's reminders.",
};
