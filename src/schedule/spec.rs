//! A validated schedule's fields, as our parser read them: what `describe`, the crontab
//! check and the DST rule look at, and what `normalise` turns into croner patterns.

use super::parse::{Field, Item};

/// The seven fields of a time schedule (seconds `0` for 5 fields; year only with 7).
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) second: Field,
    pub(crate) minute: Field,
    pub(crate) hour: Field,
    pub(crate) day_of_month: Field,
    pub(crate) month: Field,
    pub(crate) day_of_week: Field,
    pub(crate) year: Option<Field>,
}

impl Spec {
    /// Whether both day fields must match (Vixie: when either starts with `*`, even `*/2`),
    /// rather than either of them.
    pub(crate) fn days_and(&self) -> bool {
        self.day_of_month.star || self.day_of_week.star
    }

    /// Whether every field holds only `*`, values, ranges, lists and steps, and there is no
    /// year field: the classic syntax, which `normalise` writes in a form croner reads by
    /// construction.
    pub(crate) fn is_classic(&self) -> bool {
        self.year.is_none()
            && [
                &self.second,
                &self.minute,
                &self.hour,
                &self.day_of_month,
                &self.month,
                &self.day_of_week,
            ]
            .iter()
            .all(|field| {
                field.items.iter().all(|item| {
                    matches!(
                        item,
                        Item::Star { .. } | Item::Value(_) | Item::Range { .. }
                    )
                })
            })
    }
}
