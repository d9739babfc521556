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

interface Topic {
  title: string;
  body: (c: Contacts) => string[];
  law: string;
}

export const sv = {
  title: 'Om anmälningsplikten',
  intro: 'Kort om vad lagen kräver av dig som arbetar i skola eller förskola. Välj ett avsnitt.',
  overview: 'Översikt',
  lawLabel: 'Lagstöd',
  reportNow: 'Anmäl oro nu',
  topics: {
    personal: {
      title: 'Plikten är personlig',
      body: () => [
        'Du som arbetar i skola, förskola, fritidshem eller elevhälsa måste **genast** anmäla till socialtjänsten om du i arbetet får veta något om eller misstänker att ett barn far illa.',
        'Plikten gäller dig personligen. Den kan inte lämnas över till rektor eller någon annan. Skolans rutin kan säga att du ska informera rektor eller elevhälsan, men du får alltid anmäla direkt själv – också om rektor inte håller med.',
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
        'Normalt berättar skolan för vårdnadshavarna att en anmälan görs.',
        '**Men inte när oron gäller våld, sexuella övergrepp eller hedersrelaterat våld och förtryck.** Informera då inte vårdnadshavarna – kontakta socialtjänsten först. Det är socialtjänsten som avgör när och hur vårdnadshavarna får veta.',
      ],
      law: 'Socialtjänstlagen (2025:400) 19 kap. 1 § och 20 kap. 1 §',
    },
    consultation: {
      title: 'Konsultation utan namn',
      body: () => [
        'Är du osäker kan du rådfråga socialtjänsten utan att nämna barnets eller familjens namn (avidentifierad konsultation). I Värna är du anonym för socialtjänsten när du konsulterar.',
        '**En konsultation ersätter inte en anmälan.** Blir rådet att anmäla, måste du anmäla.',
        'En anmälan kan du som anställd inte göra anonymt.',
      ],
      law: 'Socialtjänstlagen (2025:400) 19 kap. 1 §',
    },
    feedback: {
      title: 'Vad du får veta efteråt',
      body: () => [
        'Mottagningen bekräftar att anmälan kommit in och ger dig namn och telefon till en kontaktperson.',
        'Har du begärt det får du veta om en utredning **inleds, inte inleds eller redan pågår** – inom en vecka från beslutet, om det inte är olämpligt. Mer än så får socialtjänsten inte berätta, på grund av sekretess.',
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
        'Ditt namn kan inte hållas hemligt för familjen i en anmälan du gör i tjänsten, annat än om det finns risk för våld eller annan allvarlig skada.',
      ],
      law: 'Offentlighets- och sekretesslagen (2009:400) 10 kap. 28 §, 26 kap. 5 §, 40 kap. 7 g §',
    },
  } satisfies Record<DutyTopic, Topic>,
};
export type DutyStrings = typeof sv;

export const en: DutyStrings = {
  title: 'About the duty to report',
  intro: 'In short, what the law requires of you who work in a school or preschool. Choose a section.',
  overview: 'Overview',
  lawLabel: 'Legal basis',
  reportNow: 'Report a concern now',
  topics: {
    personal: {
      title: 'The duty is personal',
      body: () => [
        'If you work in a school, preschool, after-school centre or pupil health, you must report to the social services **at once** when at work you learn of or suspect that a child is being harmed.',
        'The duty rests on you personally. It cannot be handed to the principal or anyone else. The school routine may ask you to inform the principal or pupil health, but you may always report directly yourself – even if the principal disagrees.',
        'The report shows who carried the concern: if someone else told you, that person is named as the informant.',
      ],
      law: 'Social Services Act (2025:400) ch. 19 s. 1; Education Act (2010:800) ch. 29 s. 13',
    },
    atOnce: {
      title: 'At once – suspicion is enough',
      body: () => [
        'You need no proof. A suspicion is enough; the social services investigate.',
        'Report **at once**: not at the end of the week and not before the holidays. Do not wait to collect more.',
        'Write facts, not judgements: what you saw and heard, when, and the child\'s own words.',
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
        'Normally the school tells the guardians that a report is being made.',
        '**But not when the concern is violence, sexual abuse or honour-related violence and oppression.** Then do not inform the guardians – contact the social services first. The social services decide when and how the guardians are told.',
      ],
      law: 'Social Services Act (2025:400) ch. 19 s. 1 and ch. 20 s. 1',
    },
    consultation: {
      title: 'Consulting without names',
      body: () => [
        'If you are unsure you can consult the social services without naming the child or family (anonymous consultation). In Värna you are anonymous to the social services when you consult.',
        '**A consultation does not replace a report.** If the advice is to report, you must report.',
        'As an employee you cannot make a report anonymously.',
      ],
      law: 'Social Services Act (2025:400) ch. 19 s. 1',
    },
    feedback: {
      title: 'What you will hear afterwards',
      body: () => [
        'The intake unit confirms that the report has arrived and gives you the name and phone number of a contact person.',
        'If you asked for it you will be told whether an investigation **is opened, not opened or already ongoing** – within a week of the decision, unless that is inappropriate. The social services may not tell you more, because of secrecy.',
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
        'Your name cannot be kept from the family in a report you make at work, unless there is a risk of violence or other serious harm.',
      ],
      law: 'Public Access to Information and Secrecy Act (2009:400) ch. 10 s. 28, ch. 26 s. 5, ch. 40 s. 7 g',
    },
  },
};
