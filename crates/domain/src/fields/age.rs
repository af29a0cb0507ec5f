//! The site's age limits, kept apart from the text fields because they work on the
//! age derived from the ID number rather than on anything the clerk types.

use serde::{Deserialize, Serialize};

use crate::{Severity, Sex, WorkerField, WorkerProblem};

/// Site age limits. Shenzhen bars workers under 18, men over 60 and women over 50
/// from construction work; some sites only want a warning, hence `block`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgeRules {
    pub min_age: u32,
    /// Inclusive: a man aged exactly `max_age_male` passes.
    pub max_age_male: u32,
    /// Inclusive, as for men.
    pub max_age_female: u32,
    /// true = refuse enrolment; false = warn only.
    pub block: bool,
}

impl Default for AgeRules {
    fn default() -> Self {
        AgeRules {
            min_age: 18,
            max_age_male: 60,
            max_age_female: 50,
            block: false,
        }
    }
}

/// `age` in full years (see `age_on`). None when within the limits.
pub fn check_age(age: u32, sex: Sex, rules: &AgeRules) -> Option<WorkerProblem> {
    let (severity, action) = if rules.block {
        (Severity::Error, "按本工地规定不能登记")
    } else {
        (Severity::Warning, "请与项目负责人确认后再登记")
    };
    let message = if age < rules.min_age {
        format!("工人未满 {} 周岁（现年 {age} 周岁）：{action}", rules.min_age)
    } else {
        let max = match sex {
            Sex::Male => rules.max_age_male,
            Sex::Female => rules.max_age_female,
        };
        if age <= max {
            return None;
        }
        format!("{}性工人现年 {age} 周岁，超过上限 {max} 周岁：{action}", sex.label())
    };
    Some(WorkerProblem {
        field: WorkerField::IdCode,
        message,
        severity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_rules_default_warns() {
        let r = AgeRules::default();
        assert_eq!(
            (r.min_age, r.max_age_male, r.max_age_female, r.block),
            (18, 60, 50, false)
        );
        assert_eq!(check_age(18, Sex::Male, &r), None);
        assert_eq!(check_age(60, Sex::Male, &r), None);
        assert_eq!(check_age(50, Sex::Female, &r), None);
        let young = check_age(17, Sex::Female, &r).unwrap();
        assert_eq!(young.field, WorkerField::IdCode);
        assert_eq!(young.severity, Severity::Warning);
        assert!(young.message.contains("未满 18 周岁") && young.message.contains("17"));
        let old = check_age(61, Sex::Male, &r).unwrap();
        assert!(
            old.message.contains("男性") && old.message.contains("60"),
            "{}",
            old.message
        );
        let woman = check_age(51, Sex::Female, &r).unwrap();
        assert!(woman.message.contains("女性") && woman.message.contains("50"));
        assert_eq!(check_age(55, Sex::Male, &r), None);
    }

    #[test]
    fn age_rules_block_and_serde_defaults() {
        let r: AgeRules = serde_json::from_str(r#"{"block": true}"#).unwrap();
        assert_eq!(
            r,
            AgeRules {
                block: true,
                ..AgeRules::default()
            }
        );
        let p = check_age(16, Sex::Male, &r).unwrap();
        assert_eq!(p.severity, Severity::Error);
        assert!(p.message.contains("不能登记"));
        let custom: AgeRules = serde_json::from_str(r#"{"max_age_male": 55}"#).unwrap();
        assert!(check_age(56, Sex::Male, &custom).is_some());
        assert!(!custom.block);
    }
}
