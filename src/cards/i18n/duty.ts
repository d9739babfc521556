/**
 * "Om anmälningsplikten": short cards on the duty, citing the provisions in force
 * (Socialtjänstlag (2025:400), in force 1 July 2025; OSL (2009:400); Skollagen (2010:800)).
 */
export type DutyTopic = 'personal' | 'atOnce' | 'acute' | 'guardians' | 'consultation' | 'feedback' | 'secrecy';
export const dutyTopics: DutyTopic[] = ['personal', 'atOnce', 'acute', 'guardians', 'consultation', 'feedback', 'secrecy'];

export interface Contacts {
  intakeName: string;
  intakePhone: string;
  onCallPhone: string;
  open: boolean;
}

export interface Topic {
  title: string;
  body: (c: Contacts) => string[];
  /** The provisions the text rests on. */
  law?: string;
  /** Guidance the text rests on where no provision says it (Skolverket, Socialstyrelsen). */
  guidance?: string;
}

export const sv = {
  title: 'Om anmälningsplikten',
  intro: 'Kort om vad lagen kräver av dig som arbetar i skola eller förskola. Välj ett avsnitt.',
  overview: 'Översikt',
  lawLabel: 'Lagstöd',
  guidanceLabel: 'Vägledning',
  reportNow: 'Anmäl oro nu',
  topics: {
    personal: {
      title: 'Plikten är personlig',
      body: () => [
        'Du som arbetar i skola, förskola, fritidshem eller elevhälsa måste **genast** anmäla till socialtjänsten om du i arbetet får veta något om eller misstänker att ett barn far illa.',
        'Plikten gäller dig personligen. Den kan inte lämnas över till rektor eller någon annan. Skolans rutin kan säga att du ska informera rektor eller elevhälsan, men du måste anmäla själv, också om rektor inte håller med.',
        'Den som har oron ska synas i anmälan: har någon annan berättat för dig, anges den personen som uppgiftslämnare.',
      ],
      law: 'Socialtjänstlagen (2025:400) 19 kap. 1 §; skollagen (2010:800) 29 kap. 13 §',
    },
    atOnce: {
      title: 'Genast – misstanke räcker',
      body: () => [
        'Du behöver inga bevis. En misstanke räcker, och det är socialtjänsten som utreder.',
        'Anmäl **genast**: inte i slutet av veckan och inte före lovet. Vänta inte för att samla mer.',
        'Skriv fakta, inte värderingar: vad du såg och hörde, när, och barnets egna ord.',
      ],
      law: 'Socialtjänstlagen (2025:400) 19 kap. 1 §',
    },
    acute: {
      title: 'Akut fara',
      body: (c) => [
        '**Är barnet i akut fara? Ring 112.**',
        c.open
          ? `Brådskande anmälan nu under kontorstid: ring ${c.intakeName}, ${c.intakePhone}.`
          : `Brådskande anmälan nu utanför kontorstid: ring socialjouren, ${c.onCallPhone} (nås ofta via polisen, 112 eller 114 14).`,
        `Kontorstid: ${c.intakeName}, ${c.intakePhone}. Övrig tid: socialjouren, ${c.onCallPhone}.`,
        'En anmälan per telefon ska alltid följas av en skriftlig anmälan – gör den här i Värna.',
      ],
      law: 'Socialtjänstlagen (2025:400) 19 kap. 1 §, 20 kap. 1 §',
    },
    guardians: {
      title: 'Vårdnadshavarna',
      body: () => [
        'Normalt berättar skolan för vårdnadshavarna att en anmälan görs. Ingen lag kräver det, och anmälan väntar aldrig på det.',
        '**Men inte när oron gäller våld, hot, övergrepp eller hedersrelaterat våld och förtryck.** Berätta då inte för vårdnadshavarna – kontakta socialtjänsten först. Det är socialtjänsten som avgör när och hur vårdnadshavarna får veta.',
        'Har vårdnadshavarna redan fått veta: säg det till mottagningen.',
      ],
      guidance: 'Skolverket, Skolans ansvar för barn som far illa; Socialstyrelsen, Att anmäla oro för barn',
    },
    consultation: {
      title: 'Konsultation utan namn',
      body: () => [
        'Är du osäker kan du rådfråga socialtjänsten utan att nämna barnets eller familjens namn (avidentifierad konsultation). När du konsulterar i Värna ser mottagningen inte vem du är.',
        '**En konsultation ersätter inte en anmälan.** Blir rådet att anmäla, måste du anmäla. Misstänker du fortfarande att barnet far illa måste du anmäla.',
        'En anmälan kan du som anställd inte göra anonymt.',
      ],
      law: 'Socialtjänstlagen (2025:400) 19 kap. 1 §',
      guidance: 'Socialstyrelsen, Att anmäla oro för barn',
    },
    feedback: {
      title: 'Vad du får veta efteråt',
      body: () => [
        'Mottagningen bekräftar att anmälan kommit in och ger dig namn och telefon till en kontaktperson.',
        'Har du begärt det får du veta om en utredning **inleds, inte inleds eller redan pågår**, om det inte är olämpligt: inom en vecka från beslutet, och genast om en utredning redan pågår eller om du ber om det först efter beslutet. Mer än så får socialtjänsten inte berätta, på grund av sekretess.',
        'Du kan också bli erbjuden ett anmälningsmöte med socialtjänsten och vårdnadshavarna.',
        'Inleds en utredning kan socialtjänsten behöva uppgifter från skolan; dem är skolan skyldig att lämna.',
      ],
      law: 'Socialtjänstlagen (2025:400) 19 kap. 5–6 §§, 20 kap. 6 §; offentlighets- och sekretesslagen (2009:400) 26 kap. 1 § och 9 a §',
    },
    secrecy: {
      title: 'Sekretess',
      body: () => [
        'Sekretessen i skolan hindrar inte en anmälan: du får lämna de uppgifter som behövs.',
        'I skolan är anmälan och återkopplingen omfattade av stark sekretess. Bara du som anmält ser återkopplingen i Värna; rektor ser antal, inte innehåll.',
        'Du som anmäler i ditt arbete kan inte vara anonym, och familjen kan få veta att anmälan kommer från dig. Det är socialtjänsten som avgör vad i anmälan som kan hållas hemligt.',
      ],
      law: 'Offentlighets- och sekretesslagen (2009:400) 10 kap. 28 §, 26 kap. 5 §, 40 kap. 7 g §',
      guidance: 'Socialstyrelsen, Att anmäla oro för barn',
    },
  } satisfies Record<DutyTopic, Topic>,
};
export type DutyStrings = typeof sv;

export const en: DutyStrings = {
  title: 'About the duty to report',
  intro: 'In short, what the law requires of you who work in a school or preschool. Choose a section.',
  overview: 'Overview',
  lawLabel: 'Legal basis',
  guidanceLabel: 'Guidance',
  reportNow: 'Report a concern now',
  topics: {
    personal: {
      title: 'The duty is personal',
      body: () => [
        'If you work in a school, preschool, after-school centre or pupil health, you must report to the social services **at once** when at work you learn of or suspect that a child is being harmed.',
        'The duty rests on you personally. It cannot be handed to the principal or anyone else. The school routine may ask you to inform the principal or pupil health, but you must report yourself, also if the principal disagrees.',
        'The report shows who carried the concern: if someone else told you, that person is named as the informant.',
      ],
      law: 'Social Services Act (2025:400) ch. 19 s. 1; Education Act (2010:800) ch. 29 s. 13',
    },
    atOnce: {
      title: 'At once – suspicion is enough',
      body: () => [
        'You need no proof. A suspicion is enough; the social services investigate.',
        'Report **at once**: not at the end of the week and not before the holidays. Do not wait to collect more.',
        "Write facts, not judgements: what you saw and heard, when, and the child's own words.",
      ],
      law: 'Social Services Act (2025:400) ch. 19 s. 1',
    },
    acute: {
      title: 'Immediate danger',
      body: (c) => [
        '**Is the child in immediate danger? Call 112.**',
        c.open
          ? `Urgent report now, in office hours: call ${c.intakeName}, ${c.intakePhone}.`
          : `Urgent report now, outside office hours: call the on-call social services (socialjour), ${c.onCallPhone} (often reached via the police, 112 or 114 14).`,
        `Office hours: ${c.intakeName}, ${c.intakePhone}. Other times: socialjour, ${c.onCallPhone}.`,
        'A report by phone is always followed by a written one – make it here in Värna.',
      ],
      law: 'Social Services Act (2025:400) ch. 19 s. 1, ch. 20 s. 1',
    },
    guardians: {
      title: 'The guardians',
      body: () => [
        'Normally the school tells the guardians that a report is being made. No law requires it, and the report never waits for it.',
        '**But not when the concern is violence, threats, abuse or honour-related violence and oppression.** Then do not tell the guardians – contact the social services first. The social services decide when and how the guardians are told.',
        'If the guardians have already been told: say so to the intake unit.',
      ],
      guidance:
        'Skolverket (Swedish National Agency for Education), Skolans ansvar för barn som far illa; Socialstyrelsen (National Board of Health and Welfare), Att anmäla oro för barn',
    },
    consultation: {
      title: 'Consulting without names',
      body: () => [
        'If you are unsure you can consult the social services without naming the child or family (anonymous consultation). When you consult in Värna the intake unit does not see who you are.',
        '**A consultation does not replace a report.** If the advice is to report, you must report. If you still suspect that the child is being harmed, you must report.',
        'As an employee you cannot make a report anonymously.',
      ],
      law: 'Social Services Act (2025:400) ch. 19 s. 1',
      guidance: 'Socialstyrelsen (National Board of Health and Welfare), Att anmäla oro för barn',
    },
    feedback: {
      title: 'What you will hear afterwards',
      body: () => [
        'The intake unit confirms that the report has arrived and gives you the name and phone number of a contact person.',
        'If you asked for it you will be told whether an investigation **is opened, not opened or already ongoing**, unless that is inappropriate: within a week of the decision, and at once if an investigation is already ongoing or if you ask only after the decision. The social services may not tell you more, because of secrecy.',
        'You may also be offered a joint meeting with the social services and the guardians.',
        'If an investigation is opened the social services may need information from the school; the school must provide it.',
      ],
      law: 'Social Services Act (2025:400) ch. 19 ss. 5–6, ch. 20 s. 6; Public Access to Information and Secrecy Act (2009:400) ch. 26 s. 1 and s. 9 a',
    },
    secrecy: {
      title: 'Secrecy',
      body: () => [
        'Secrecy at school does not stop a report: you may give the information that is needed.',
        'At the school, the report and the feedback are covered by strong secrecy. Only you who reported see the feedback in Värna; the principal sees numbers, not content.',
        'When you report in your job you cannot be anonymous, and the family may learn that the report comes from you. The social services decide what in the report can be kept secret.',
      ],
      law: 'Public Access to Information and Secrecy Act (2009:400) ch. 10 s. 28, ch. 26 s. 5, ch. 40 s. 7 g',
      guidance: 'Socialstyrelsen (National Board of Health and Welfare), Att anmäla oro för barn',
    },
  },
};
