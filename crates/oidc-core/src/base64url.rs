//! Strict base64url (RFC 7515 section 2): URL-safe alphabet, no padding, no whitespace,
//! and canonical, i.e. the unused low bits of the last character must be zero. Lenient
//! decoders accept several spellings of one token, which breaks caching by token text
//! and hides tampering; we accept exactly one.

/// The 6-bit value of each byte, or NONE for bytes outside the base64url alphabet; a
/// table because decoding is a tenth of a verification's time otherwise.
const NONE: u8 = 0xff;
static VALUES: [u8; 256] = {
    let mut table = [NONE; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

#[inline]
fn value(c: u8) -> Option<u32> {
    match VALUES[c as usize] {
        NONE => None,
        v => Some(v as u32),
    }
}

/// Decodes `input`, or returns `None` when it is not canonical unpadded base64url.
pub fn decode(input: &[u8]) -> Option<Vec<u8>> {
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut chunks = input.chunks_exact(4);
    for chunk in &mut chunks {
        let n = (value(chunk[0])? << 18) | (value(chunk[1])? << 12) | (value(chunk[2])? << 6) | value(chunk[3])?;
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    match *chunks.remainder() {
        [] => {}
        [a, b] => {
            let n = (value(a)? << 18) | (value(b)? << 12);
            if n & 0xffff != 0 {
                return None;
            }
            out.push((n >> 16) as u8);
        }
        [a, b, c] => {
            let n = (value(a)? << 18) | (value(b)? << 12) | (value(c)? << 6);
            if n & 0xff != 0 {
                return None;
            }
            out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8]);
        }
        _ => return None,
    }
    Some(out)
}

/// Encodes without padding (for tests and tools that build tokens by hand).
pub fn encode(input: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let n = (chunk[0] as u32) << 16 | (*chunk.get(1).unwrap_or(&0) as u32) << 8 | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{decode, encode};

    #[test]
    fn round_trips() {
        for len in 0..20 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(decode(encode(&bytes).as_bytes()).unwrap(), bytes);
        }
    }

    #[test]
    fn decodes_canonical_input() {
        assert_eq!(decode(b"").unwrap(), b"");
        assert_eq!(decode(b"Zg").unwrap(), b"f");
        assert_eq!(decode(b"Zm8").unwrap(), b"fo");
        assert_eq!(decode(b"Zm9v").unwrap(), b"foo");
        assert_eq!(decode(b"-_8").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn refuses_padding_standard_alphabet_and_whitespace() {
        assert!(decode(b"Zg==").is_none());
        assert!(decode(b"+/8").is_none());
        assert!(decode(b"Zm 9v").is_none());
        assert!(decode(b"Z").is_none());
    }

    #[test]
    fn refuses_non_canonical_trailing_bits() {
        // "Zh" decodes to "f" too in lenient decoders, with non-zero unused bits.
        assert!(decode(b"Zh").is_none());
        assert!(decode(b"Zm9").is_none());
    }
}
