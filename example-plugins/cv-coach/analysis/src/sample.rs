//! A realistic sample CV used by tests, examples and benchmarks.

/// A realistic, roughly two-page Danish CV (650-800 words) of a fictional
/// warehouse worker in Aarhus looking for a job as "lagerkoordinator". It has
/// all expected sections, quantified results, a fictional e-mail address and
/// phone number, and one weak phrase.
pub const SAMPLE_CV_DA: &str = "\
Mette Sørensen
Lagermedarbejder med koordinatoransvar – søger job som lagerkoordinator

Kontaktoplysninger
Adresse: Vestergade 12, 2. tv., 8000 Aarhus C
Telefon: +45 12 34 56 78
E-mail: mette.sorensen@eksempel.dk
Kørekort: B-kørekort og egen bil

Profil
Jeg er en struktureret og løsningsorienteret lagermedarbejder med ni års erfaring fra lager, \
logistik og detailhandel i Østjylland. Jeg trives, når der er travlt, og jeg er god til at skabe \
overblik, planlægge dagens opgaver og få kolleger til at trække i samme retning. I mit seneste job \
koordinerede jeg de daglige leverancer, lagde vagtplaner og var kontaktperson for vognmænd og \
butikker. Nu søger jeg en stilling som lagerkoordinator, hvor jeg kan bruge min erfaring med \
planlægning, lagerstyringssystemer (WMS) og oplæring af nye kolleger til at skabe en sikker og \
effektiv hverdag på lageret. Jeg er vant til at arbejde efter faste mål for leveringstid, kvalitet \
og sikkerhed, og jeg sætter en ære i, at varerne kommer rigtigt og rettidigt frem.

Erhvervserfaring

2019 - 2024: Lagermedarbejder med koordinatoransvar, Nordlys Logistik A/S, Aarhus
- Koordinerede ind- og udgående leverancer til ca. 40 butikker i Jylland og på Fyn.
- Planlagde vagtplaner for et hold på 12 lagermedarbejdere og afløsere.
- Indførte en ny plukkerute i lagerstyringssystemet, som reducerede plukketiden med 15 %.
- Oplærte 18 nye medarbejdere i sikkerhed, truckkørsel og brug af håndscannere.
- Gennemførte ugentlige lageroptællinger og nedbragte lagerdifferencerne med 30 % på et år.
- Håndterede reklamationer og havde den daglige kontakt med vognmænd, leverandører og kunder.
- Udarbejdede ugentlige opgørelser i Excel over leveringspræcision, spild og fejlplukninger til \
lagerchefen og brugte dem til at forbedre planlægningen af spidsbelastninger før jul og påske.
- Var tovholder på oprydning og ny afmærkning af lageret, så gangene blev sikrere og nemmere at \
overskue for både nye og erfarne kolleger.
- Deltog i indkøringen af et nyt WMS og var superbruger for 14 kolleger de første tre måneder.
- Har været med til at indføre en ny procedure for modtagekontrol af kølevarer.

2015 - 2019: Lagermedarbejder, Kattegat Engros ApS, Brabrand
- Plukkede og pakkede i gennemsnit 220 ordrer om dagen med en fejlprocent under 0,5 %.
- Kørte gaffeltruck og stabler ved varemodtagelse, opfyldning og udlevering.
- Opbyggede et nyt system til palleplaceringer, som gav bedre overblik og færre fejlplukninger.
- Forbedrede rutinerne for sikker stabling som medlem af arbejdsmiljøgruppen.
- Modtog og kontrollerede dagligt op mod 60 paller fra danske og udenlandske leverandører.
- Udarbejdede tjeklister til varemodtagelsen, som nye kolleger stadig bruger i dag.

2013 - 2015: Butiksmedarbejder, Købmand Hansen, Aarhus N
- Stod for varemodtagelse, opfyldning og bestilling i kolonialafdelingen.
- Betjente kunder ved kassen og hjalp dem med at finde varer i butikken.
- Holdt styr på holdbarhedsdatoer og nedbragte madspildet i kolonialafdelingen markant.
- Øgede salget af ugens tilbud med 10 % ved at forbedre skiltning og placering.

2012 - 2013: Fritidsjob som chaufførmedhjælper, Aarhus Flyttefirma
- Læssede, sikrede og leverede møbler og flyttekasser hos private kunder og virksomheder.
- Planlagde ruterne for de daglige kørsler sammen med chaufføren og holdt styr på følgesedler.

Uddannelse og kurser

2023: AMU-kursus i lagerstyring og logistikplanlægning, AMU Østjylland
2022: AMU-kursus i arbejdsmiljø og sikkerhed på lageret
2021: Førstehjælp og elementær brandbekæmpelse
2016: Truckcertifikat B (gaffeltruck), AMU
2013 - 2015: Erhvervsuddannelse som lagerassistent, Aarhus Tech
2009 - 2012: HF, VUC Aarhus

Kompetencer
- Planlægning og koordinering af daglige opgaver på lageret
- Erfaren truckfører med truckcertifikat B
- Overblik i travle perioder og sans for orden og systematik
- Oplæring og vejledning af nye kolleger, elever og afløsere
- Kvalitetskontrol, lageroptælling og håndtering af reklamationer
- Samarbejde med chauffører, leverandører, butikker og kunder
- Fokus på sikkerhed, arbejdsmiljø og gode arbejdsgange

IT-kompetencer
- Lagerstyringssystemer (WMS), herunder SAP EWM og håndscannere
- Microsoft Excel: vagtplaner, pivottabeller og enkle opgørelser
- Microsoft Word, Outlook og Teams
- Labelprintere og fragtbookingsystemer hos de store vognmænd

Sprog
Dansk: modersmål
Engelsk: godt, både mundtligt og skriftligt
Tysk: grundlæggende

Personlige egenskaber
Jeg er mødestabil, pligtopfyldende og har en god portion humor. Mine kolleger beskriver mig som \
rolig, hjælpsom og tydelig, også når der er travlt. Jeg tager gerne ansvar, og jeg er ikke bange \
for at sige fra, hvis noget kan gøres bedre eller mere sikkert. Jeg kan lide at lære nyt og deler \
gerne min viden med andre.

Fritid
I min fritid løber jeg og træner et ungdomshold i håndbold to gange om ugen. Jeg er desuden \
frivillig ved Aarhus Festuge, hvor jeg har koordineret opsætningen af boder sammen med 25 andre \
frivillige.

Referencer
Lagerchef Anders Holm, Nordlys Logistik A/S, og driftsleder Lone Berg, Kattegat Engros ApS. \
Kontaktoplysninger gives gerne efter aftale.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_has_realistic_length() {
        let words = crate::text::scan_line(SAMPLE_CV_DA).words;
        assert!((650..=800).contains(&words), "sample has {words} words");
    }
}
