//! Labels of the workbook and the statements, in English and Russian (`--lang en|ru`).
//!
//! Every label a person reads goes through [`Labels::get`], keyed by a stable English key, so a
//! new label is added in one place for both languages.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ru,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_lowercase().as_str() {
            "en" => Some(Lang::En),
            "ru" => Some(Lang::Ru),
            _ => None,
        }
    }
}

/// (key = English text, Russian text).
const TABLE: &[(&str, &str)] = &[
    ("employee_id", "табельный номер"),
    ("name", "имя"),
    ("team", "команда"),
    ("scheme", "схема"),
    ("currency", "валюта"),
    ("period", "период"),
    ("target bonus", "целевой бонус"),
    ("share", "доля периода"),
    ("KPI", "KPI"),
    ("metric", "метрика"),
    ("actual", "факт"),
    ("target", "цель"),
    ("attainment", "выполнение"),
    ("band", "диапазон"),
    ("curve segment", "участок кривой"),
    ("factor", "коэффициент"),
    ("weight", "вес"),
    ("amount", "сумма"),
    ("total", "итого"),
    ("flags", "отметки"),
    ("source rows", "исходных строк"),
    ("reason", "причина"),
    ("review: below threshold", "разбор: ниже порога"),
    (
        "discuss: star or low plan",
        "поговорить: звезда или заниженный план",
    ),
    ("no data", "нет данных"),
    ("not employed in the period", "не работал в периоде"),
];

#[derive(Debug, Clone, Copy, Default)]
pub struct Labels {
    pub lang: Lang,
}

impl Labels {
    pub fn new(lang: Lang) -> Self {
        Labels { lang }
    }

    /// The label for `key` in this language; the key itself in English or when untranslated.
    pub fn get(&self, key: &'static str) -> &'static str {
        match self.lang {
            Lang::En => key,
            Lang::Ru => TABLE
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(key, |(_, ru)| ru),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_in_both_languages() {
        assert_eq!(Labels::new(Lang::En).get("attainment"), "attainment");
        assert_eq!(Labels::new(Lang::Ru).get("attainment"), "выполнение");
        assert_eq!(Lang::parse("RU"), Some(Lang::Ru));
        assert_eq!(Lang::parse("de"), None);
    }

    #[test]
    fn every_key_is_unique() {
        let mut keys: Vec<&str> = TABLE.iter().map(|(k, _)| *k).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n);
    }
}
