//! Names across front ends: JSON and JavaScript spell fields in camelCase (`byOGTier`), Python in
//! snake_case (`by_og_tier`), the CLI in kebab-case flags; every spelling comes from the camelCase name by
//! the one rule here, so the front ends cannot disagree.

/// The one rule that turns a camelCase field name into snake_case (`byOGTier` → `by_og_tier`,
/// `d1Retention` → `d1_retention`): an underscore before an upper-case letter that follows a lower-case
/// letter or digit, or that starts a new word after an acronym.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The kebab-case spelling of a camelCase name (`usdToNpr` → `usd-to-npr`), as the CLI's flags are.
pub fn kebab_case(name: &str) -> String {
    snake_case(name).replace('_', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_for_every_spelling() {
        for (camel, snake) in [
            ("byOGTier", "by_og_tier"),
            ("d1Retention", "d1_retention"),
            ("coinTopups", "coin_topups"),
            ("total", "total"),
            ("avgSessionDuration", "avg_session_duration"),
            ("appId", "app_id"),
            ("already_snake", "already_snake"),
        ] {
            assert_eq!(snake_case(camel), snake);
        }
        assert_eq!(kebab_case("usdToNpr"), "usd-to-npr");
    }
}
