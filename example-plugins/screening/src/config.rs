//! The installation's configuration: the steps of the questionnaire, their questions,
//! the answer options with their weights (and, optionally, the reason a citizen reads
//! when an answer adds to the score), and the thresholds per track. The municipality
//! edits it in the admin's form generated from [`config_schema`]; [`default_config`] is
//! a sensible Danish questionnaire.

use jobunivers_sdk::screening::Localized;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A text in Danish and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// Danish.
    pub da: String,
    /// English.
    pub en: String,
}

impl Text {
    /// The text in the citizen's language.
    pub fn get(&self, locale: jobunivers_sdk::Locale) -> &str {
        match locale {
            jobunivers_sdk::Locale::Da => &self.da,
            jobunivers_sdk::Locale::En => &self.en,
        }
    }

    /// As the contract's localized text.
    pub fn localized(&self) -> Localized {
        Localized::new(self.da.clone(), self.en.clone())
    }
}

/// One answer option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerOption {
    /// The value submitted and kept.
    pub value: String,
    /// What the citizen reads.
    pub label: Text,
    /// What choosing it adds to the score: the higher the score, the more support.
    pub weight: i32,
    /// Why this answer matters, shown to the citizen when it adds to the score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Text>,
}

/// One question: the citizen picks one option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Its id (the form field's name).
    pub id: String,
    /// The question.
    pub text: Text,
    /// A hint under the question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    /// The options, at least two.
    pub options: Vec<AnswerOption>,
}

/// One step of the questionnaire: one page of questions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Its id.
    pub id: String,
    /// The step's heading.
    pub title: Text,
    /// A line introducing it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intro: Option<Text>,
    /// Its questions.
    pub questions: Vec<Question>,
}

/// Where the tracks begin on the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// From this score on, the suggestion is `mixed` (below it, `self-service`).
    pub mixed: i32,
    /// From this score on, the suggestion is `personal-effort`.
    pub personal_effort: i32,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// The thresholds per track.
    pub thresholds: Thresholds,
}

impl Config {
    /// Every question, in order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.steps.iter().flat_map(|s| s.questions.iter())
    }

    /// What the schema cannot say: ids unique, values unique per question, the
    /// thresholds in order. Empty when the configuration can be used.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.thresholds.mixed >= self.thresholds.personal_effort {
            out.push(format!(
                "thresholds.mixed ({}) must be below thresholds.personal_effort ({})",
                self.thresholds.mixed, self.thresholds.personal_effort
            ));
        }
        let mut steps = std::collections::BTreeSet::new();
        let mut questions = std::collections::BTreeSet::new();
        for s in &self.steps {
            if !steps.insert(s.id.as_str()) {
                out.push(format!("the step id '{}' is used twice", s.id));
            }
            for q in &s.questions {
                if !questions.insert(q.id.as_str()) {
                    out.push(format!("the question id '{}' is used twice", q.id));
                }
                let mut values = std::collections::BTreeSet::new();
                for o in &q.options {
                    if !values.insert(o.value.as_str()) {
                        out.push(format!(
                            "the question '{}' has the value '{}' twice",
                            q.id, o.value
                        ));
                    }
                }
            }
        }
        out
    }
}

/// The JSON Schema of the configuration.
pub fn config_schema() -> Value {
    let text = json!({
        "type": "object",
        "required": ["da", "en"],
        "additionalProperties": false,
        "properties": {
            "da": { "type": "string", "minLength": 1, "maxLength": 1000, "title": "Dansk" },
            "en": { "type": "string", "minLength": 1, "maxLength": 1000, "title": "English" }
        }
    });
    let id = json!({ "type": "string", "pattern": "^[a-z][a-z0-9-]{0,39}$" });
    let value = json!({ "type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,39}$" });
    let option = json!({
        "type": "object",
        "required": ["value", "label", "weight"],
        "additionalProperties": false,
        "properties": {
            "value": value,
            "label": text,
            "weight": { "type": "integer", "minimum": -20, "maximum": 20, "title": "Vægt (point)" },
            "reason": text
        }
    });
    let question = json!({
        "type": "object",
        "required": ["id", "text", "options"],
        "additionalProperties": false,
        "properties": {
            "id": id,
            "text": text,
            "hint": text,
            "options": { "type": "array", "minItems": 2, "maxItems": 8, "items": option }
        }
    });
    let step = json!({
        "type": "object",
        "required": ["id", "title", "questions"],
        "additionalProperties": false,
        "properties": {
            "id": id,
            "title": text,
            "intro": text,
            "questions": { "type": "array", "minItems": 1, "maxItems": 10, "items": question }
        }
    });
    let thresholds = json!({
        "title": "Grænser",
        "type": "object",
        "required": ["mixed", "personal_effort"],
        "additionalProperties": false,
        "properties": {
            "mixed": { "type": "integer", "minimum": -200, "maximum": 200, "title": "Blandet fra (point)" },
            "personal_effort": { "type": "integer", "minimum": -200, "maximum": 200, "title": "Personlig indsats fra (point)" }
        }
    });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Screening",
        "description": "Spørgsmålene, svarmulighederne med deres vægt og grænserne for hver indsats. Jo højere point, jo mere støtte foreslås.",
        "type": "object",
        "required": ["steps", "thresholds"],
        "additionalProperties": false,
        "properties": {
            "steps": { "title": "Trin", "type": "array", "minItems": 1, "maxItems": 10, "items": step },
            "thresholds": thresholds
        }
    })
}

fn t(da: &str, en: &str) -> Value {
    json!({ "da": da, "en": en })
}

fn opt(value: &str, da: &str, en: &str, weight: i32) -> Value {
    json!({ "value": value, "label": t(da, en), "weight": weight })
}

fn opt_why(value: &str, da: &str, en: &str, weight: i32, why: (&str, &str)) -> Value {
    json!({ "value": value, "label": t(da, en), "weight": weight, "reason": t(why.0, why.1) })
}

/// The default questionnaire: four steps (job readiness, digital confidence, wishes for
/// support, barriers), ten questions, and thresholds at 6 (mixed) and 13 (personal
/// effort) out of 31 points.
pub fn default_config() -> Value {
    json!({
        "steps": [
            {
                "id": "parathed",
                "title": t("Din jobsøgning", "Your job search"),
                "intro": t("Først lidt om, hvor du står med din jobsøgning.", "First a little about where you are with your job search."),
                "questions": [
                    {
                        "id": "soegning",
                        "text": t("Hvor aktivt søger du job lige nu?", "How actively are you looking for work right now?"),
                        "options": [
                            opt("ugentligt", "Jeg søger flere job hver uge", "I apply for several jobs every week", 0),
                            opt_why("af-og-til", "Jeg søger af og til", "I apply now and then", 1,
                                ("Du søger job af og til, men ikke fast hver uge.", "You apply for jobs now and then, but not every week.")),
                            opt_why("ikke-startet", "Jeg er ikke kommet i gang", "I have not started yet", 3,
                                ("Du er ikke kommet i gang med at søge job, og det kan en samtale hjælpe med.", "You have not started applying for jobs yet, and a conversation can help with that."))
                        ]
                    },
                    {
                        "id": "maal",
                        "text": t("Ved du, hvilket job du gerne vil have?", "Do you know which job you want?"),
                        "options": [
                            opt("klart", "Ja, jeg har et klart mål", "Yes, I have a clear goal", 0),
                            opt("ideer", "Jeg har nogle idéer", "I have some ideas", 1),
                            opt_why("tvivl", "Nej, jeg er i tvivl", "No, I am unsure", 2,
                                ("Du er i tvivl om, hvilket job du vil søge.", "You are unsure which job to look for."))
                        ]
                    },
                    {
                        "id": "cv",
                        "text": t("Har du et opdateret CV?", "Do you have an up-to-date CV?"),
                        "options": [
                            opt("ja", "Ja", "Yes", 0),
                            opt("gammelt", "Det trænger til at blive opdateret", "It needs updating", 1),
                            opt_why("nej", "Nej", "No", 2,
                                ("Du har ikke et CV endnu.", "You do not have a CV yet."))
                        ]
                    }
                ]
            },
            {
                "id": "digital",
                "title": t("Digitale værktøjer", "Digital tools"),
                "intro": t("Meget af hjælpen foregår digitalt. Hvordan har du det med det?", "Much of the help is digital. How do you feel about that?"),
                "questions": [
                    {
                        "id": "tryghed",
                        "text": t("Hvor tryg er du ved at bruge computer og internet, fx Jobnet og MitID?", "How confident are you using a computer and the internet, e.g. Jobnet and MitID?"),
                        "options": [
                            opt("meget", "Meget tryg", "Very confident", 0),
                            opt("nogenlunde", "Nogenlunde tryg", "Fairly confident", 1),
                            opt_why("utryg", "Utryg", "Not confident", 3,
                                ("Du er utryg ved digitale løsninger, så en rent digital indsats passer måske ikke til dig.", "You are not confident with digital services, so a purely digital effort may not suit you."))
                        ]
                    },
                    {
                        "id": "udstyr",
                        "text": t("Har du adgang til computer eller tablet og internet derhjemme?", "Do you have a computer or tablet and the internet at home?"),
                        "options": [
                            opt("ja", "Ja", "Yes", 0),
                            opt("mobil", "Kun en mobiltelefon", "Only a mobile phone", 1),
                            opt_why("nej", "Nej", "No", 3,
                                ("Du har ikke computer og internet derhjemme.", "You do not have a computer and the internet at home."))
                        ]
                    }
                ]
            },
            {
                "id": "stoette",
                "title": t("Dine ønsker til hjælp", "What help you want"),
                "questions": [
                    {
                        "id": "samtaler",
                        "text": t("Hvor ofte vil du gerne tale med en jobkonsulent?", "How often would you like to talk to a job consultant?"),
                        "hint": t("Du kan altid booke en samtale, uanset hvad du svarer.", "You can always book a conversation, whatever you answer."),
                        "options": [
                            opt("selv", "Kun når jeg selv beder om det", "Only when I ask for it", 0),
                            opt_why("af-og-til", "Af og til", "Now and then", 2,
                                ("Du ønsker samtaler med en jobkonsulent af og til.", "You would like conversations with a job consultant now and then.")),
                            opt_why("fast", "Jeg vil gerne have faste samtaler", "I would like regular conversations", 4,
                                ("Du ønsker faste samtaler med en jobkonsulent.", "You would like regular conversations with a job consultant."))
                        ]
                    },
                    {
                        "id": "arbejdsform",
                        "text": t("Hvordan vil du helst arbejde med din jobsøgning?", "How would you prefer to work on your job search?"),
                        "options": [
                            opt("digitalt", "På egen hånd med digitale værktøjer", "On my own with digital tools", 0),
                            opt("blandet", "En blanding", "A mix", 1),
                            opt_why("sammen", "Sammen med en konsulent", "Together with a consultant", 3,
                                ("Du vil helst arbejde med din jobsøgning sammen med en konsulent.", "You would rather work on your job search together with a consultant."))
                        ]
                    }
                ]
            },
            {
                "id": "barrierer",
                "title": t("Det, der kan gøre det svært", "What can make it hard"),
                "intro": t("Dine svar her bliver kun brugt til at finde den rette hjælp.", "Your answers here are only used to find the right help."),
                "questions": [
                    {
                        "id": "helbred",
                        "text": t("Påvirker dit helbred din jobsøgning?", "Does your health affect your job search?"),
                        "options": [
                            opt("nej", "Nej", "No", 0),
                            opt_why("lidt", "Lidt", "A little", 2,
                                ("Dit helbred påvirker din jobsøgning lidt.", "Your health affects your job search a little.")),
                            opt_why("meget", "Ja, meget", "Yes, a lot", 5,
                                ("Dit helbred påvirker din jobsøgning meget, og det kræver en personlig snak.", "Your health affects your job search a lot, which calls for a personal conversation."))
                        ]
                    },
                    {
                        "id": "sprog",
                        "text": t("Er det svært for dig at læse og skrive på dansk?", "Is it hard for you to read and write Danish?"),
                        "options": [
                            opt("nej", "Nej", "No", 0),
                            opt("lidt", "Lidt", "A little", 1),
                            opt_why("ja", "Ja", "Yes", 3,
                                ("Det er svært for dig at læse og skrive på dansk.", "It is hard for you to read and write Danish."))
                        ]
                    },
                    {
                        "id": "ledighed",
                        "text": t("Hvor længe har du været ledig?", "How long have you been unemployed?"),
                        "options": [
                            opt("under-3", "Under 3 måneder", "Less than 3 months", 0),
                            opt("3-12", "3 til 12 måneder", "3 to 12 months", 1),
                            opt_why("over-12", "Over et år", "More than a year", 3,
                                ("Du har været ledig i over et år.", "You have been unemployed for more than a year."))
                        ]
                    }
                ]
            }
        ],
        "thresholds": { "mixed": 6, "personal_effort": 13 }
    })
}
