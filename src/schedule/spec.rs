//! A validated schedule's fields, as our parser read them: what `describe`, the crontab
//! check and the DST rule look at, and what `normalise` turns into croner patterns.

use super::parse::Field;

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
}
