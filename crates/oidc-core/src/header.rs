//! The request header's value as a token. Some setups copy an `Authorization: Bearer …`
//! value into the configured header (oauth2-proxy behind ingress-nginx), so that form is
//! read as its token; anything else goes to the JWS parser as it is, and is refused there
//! unless it is a compact JWS.

/// `Bearer <token>`: the scheme in any letter case, exactly one space, a non-empty token
/// without whitespace (`/^bearer (\S+)$/i`). Any other value is returned unchanged.
pub fn token_from_header(value: &str) -> &str {
    match (value.get(..7), value.get(7..)) {
        (Some(scheme), Some(token))
            if scheme.eq_ignore_ascii_case("bearer ") && !token.is_empty() && !token.chars().any(char::is_whitespace) =>
        {
            token
        }
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::token_from_header as t;

    #[test]
    fn bearer_in_any_case_with_one_space() {
        assert_eq!(t("Bearer a.b.c"), "a.b.c");
        assert_eq!(t("bEaReR a.b.c"), "a.b.c");
        assert_eq!(t("a.b.c"), "a.b.c");
    }

    #[test]
    fn anything_else_is_left_as_it_is() {
        for value in ["Bearer  a.b.c", "Bearer ", "Bearer", "Bearer a b", "Bearer\ta.b.c", "Basic a.b.c", "Bearer a.b.c\n", "Béarer a", "é"]
        {
            assert_eq!(t(value), value, "{value:?}");
        }
    }
}
