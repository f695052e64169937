//! The SSRF guard: which URLs and addresses a block may reach.
//!
//! Two checks, applied to every request and every redirect hop:
//! - on the URL, before anything is sent: the scheme is `http` or `https`, there is
//!   a host, the host is not `localhost` (or a sub-domain of it, trailing dot or
//!   not), and a host written as an IP address is public. The `url` crate parses
//!   hosts the WHATWG way, so `http://2130706433/`, `http://0x7f.1/` and
//!   `http://017700000001/` all arrive here as `127.0.0.1`, and international names
//!   arrive IDNA-encoded.
//! - on every address a host name resolves to, at connect time (see
//!   [`resolve_checked`](super::resolve_checked)): the request fails if ANY of them
//!   is blocked, and the connection is made only to the checked addresses, so a
//!   second, rebinding DNS answer never gets used.
//!
//! Blocked IPv4 ranges: 0.0.0.0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
//! 192.0.0/24, 192.168/16, 198.18/15, 224/4, 240/4. Blocked IPv6: `::`, `::1`,
//! fc00::/7, fe80::/10, ff00::/8, and the local-use NAT64 prefix 64:ff9b:1::/48.
//! IPv6 addresses that embed an IPv4 address are judged by that IPv4 address:
//! IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), IPv4-translated
//! (`::ffff:0:a.b.c.d`), well-known NAT64 (`64:ff9b::a.b.c.d`, which a NAT64
//! gateway would forward to the embedded address) and 6to4 (`2002:aabb:ccdd::`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use super::error::BlockReason;

/// How strictly the addresses behind a request are checked. The client picks it
/// per request from its policy; a [`Transport`](super::Transport) must enforce it on
/// every address it connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AddressCheck {
    /// Every address must be public.
    #[default]
    PublicOnly,
    /// Public addresses and loopback (127/8, `::1`) only. Set by the test-only
    /// escape of the policy; never by configuration.
    PublicOrLoopback,
    /// No check: the request goes to an origin the provider trusts explicitly.
    Unchecked,
}

/// Blocked IPv4 ranges: network, prefix length, and what the range is.
const BLOCKED_V4: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, "0.0.0.0/8 (this network)"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "10.0.0.0/8 (private)"),
    (Ipv4Addr::new(100, 64, 0, 0), 10, "100.64.0.0/10 (carrier-grade NAT)"),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "127.0.0.0/8 (loopback)"),
    (Ipv4Addr::new(169, 254, 0, 0), 16, "169.254.0.0/16 (link-local, cloud metadata)"),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "172.16.0.0/12 (private)"),
    (Ipv4Addr::new(192, 0, 0, 0), 24, "192.0.0.0/24 (IETF protocol assignments)"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, "192.168.0.0/16 (private)"),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "198.18.0.0/15 (benchmarking)"),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "224.0.0.0/4 (multicast)"),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "240.0.0.0/4 (reserved, broadcast)"),
];

/// Blocked IPv6 ranges, checked before any embedded IPv4 address.
const BLOCKED_V6: &[(Ipv6Addr, u8, &str)] = &[
    (Ipv6Addr::UNSPECIFIED, 128, ":: (unspecified)"),
    (Ipv6Addr::LOCALHOST, 128, "::1 (loopback)"),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, "fc00::/7 (unique local)"),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "fe80::/10 (link-local)"),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "ff00::/8 (multicast)"),
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, "64:ff9b:1::/48 (local-use NAT64)"),
];

/// The blocked range an address lies in, if any, ignoring any policy escape.
///
/// ```
/// use block_core::http::blocked_range;
/// assert_eq!(blocked_range("10.1.2.3".parse().unwrap()), Some("10.0.0.0/8 (private)"));
/// assert_eq!(blocked_range("::ffff:127.0.0.1".parse().unwrap()), Some("127.0.0.0/8 (loopback)"));
/// assert_eq!(blocked_range("93.184.216.34".parse().unwrap()), None);
/// ```
pub fn blocked_range(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            for &(network, prefix, label) in BLOCKED_V6 {
                if in_prefix(bits, u128::from(network), prefix, 128) {
                    return Some(label);
                }
            }
            embedded_v4(v6).and_then(blocked_v4)
        }
    }
}

fn blocked_v4(address: Ipv4Addr) -> Option<&'static str> {
    let bits = u128::from(u32::from(address));
    BLOCKED_V4
        .iter()
        .find(|&&(network, prefix, _)| in_prefix(bits, u128::from(u32::from(network)), prefix, 32))
        .map(|&(_, _, label)| label)
}

fn in_prefix(bits: u128, network: u128, prefix: u8, width: u32) -> bool {
    let host_bits = width - u32::from(prefix);
    bits.checked_shr(host_bits).unwrap_or(0) == network.checked_shr(host_bits).unwrap_or(0)
}

/// The IPv4 address an IPv6 address stands for, when it embeds one.
fn embedded_v4(address: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = address.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        // IPv4-mapped ::ffff:0:0/96 and IPv4-compatible ::/96 (:: and ::1 are handled before).
        [0, 0, 0, 0, 0, 0xffff | 0, _, _] => Some(low),
        // IPv4-translated ::ffff:0:0:0/96.
        [0, 0, 0, 0, 0xffff, 0, _, _] => Some(low),
        // Well-known NAT64 prefix 64:ff9b::/96.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        // 6to4 2002::/16 carries the IPv4 address in bits 16..48.
        [0x2002, high, mid, ..] => Some(Ipv4Addr::new((high >> 8) as u8, high as u8, (mid >> 8) as u8, mid as u8)),
        _ => None,
    }
}

fn is_loopback(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// Checks one address against the blocked ranges.
pub(crate) fn check_address(address: IpAddr, check: AddressCheck) -> Result<(), BlockReason> {
    match check {
        AddressCheck::Unchecked => Ok(()),
        AddressCheck::PublicOrLoopback if is_loopback(address) => Ok(()),
        _ => match blocked_range(address) {
            Some(range) => Err(BlockReason::Address { address, range }),
            None => Ok(()),
        },
    }
}

/// Checks every resolved address; one blocked address fails them all, so a DNS
/// answer mixing a public and a private address cannot be used to reach the latter.
pub(crate) fn check_addresses(addresses: &[IpAddr], check: AddressCheck) -> Result<(), BlockReason> {
    addresses.iter().try_for_each(|&address| check_address(address, check))
}

/// Checks what can be checked on the URL itself: scheme, host, local names and IP
/// literals. Host names are checked again, on their addresses, at connect time.
pub(crate) fn check_url(url: &Url, check: AddressCheck) -> Result<(), BlockReason> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(BlockReason::Scheme(url.scheme().to_owned()));
    }
    if check == AddressCheck::Unchecked {
        return Ok(());
    }
    match url.host() {
        None => Err(BlockReason::NoHost),
        Some(Host::Ipv4(v4)) => check_address(IpAddr::V4(v4), check),
        Some(Host::Ipv6(v6)) => check_address(IpAddr::V6(v6), check),
        Some(Host::Domain(name)) => check_name(name, check),
    }
}

/// Refuses names that always mean this machine (RFC 6761), whatever DNS says.
fn check_name(name: &str, check: AddressCheck) -> Result<(), BlockReason> {
    let bare = name.trim_end_matches('.').to_ascii_lowercase();
    let local = bare == "localhost" || bare.ends_with(".localhost") || bare.is_empty();
    if local && check != AddressCheck::PublicOrLoopback {
        return Err(BlockReason::LocalName(name.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(text: &str) -> bool {
        blocked_range(text.parse().unwrap()).is_some()
    }

    #[test]
    fn range_edges_are_exact() {
        assert!(blocked("100.64.0.0") && blocked("100.127.255.255"));
        assert!(!blocked("100.63.255.255") && !blocked("100.128.0.0"));
        assert!(blocked("172.31.255.255") && !blocked("172.32.0.0") && !blocked("172.15.255.255"));
        assert!(blocked("198.19.255.255") && !blocked("198.20.0.0"));
        assert!(blocked("192.0.0.255") && !blocked("192.0.1.0"));
        assert!(blocked("255.255.255.255") && !blocked("223.255.255.255"));
        assert!(blocked("fdff::1") && !blocked("fe00::1") && blocked("febf::1") && !blocked("fec0::1"));
    }

    #[test]
    fn embedded_ipv4_addresses_are_judged_by_their_ipv4_part() {
        assert!(blocked("::ffff:10.0.0.1") && !blocked("::ffff:8.8.8.8"));
        assert!(blocked("::127.0.0.1") && blocked("::ffff:0:192.168.0.1"));
        assert!(blocked("64:ff9b::a9fe:a9fe") && !blocked("64:ff9b::808:808"));
        assert!(blocked("2002:7f00:1::") && !blocked("2002:808:808::"));
        assert!(blocked("64:ff9b:1::8.8.8.8"));
    }

    #[test]
    fn loopback_escape_admits_loopback_and_nothing_else_private() {
        let escape = AddressCheck::PublicOrLoopback;
        assert!(check_address("127.0.0.1".parse().unwrap(), escape).is_ok());
        assert!(check_address("127.8.9.10".parse().unwrap(), escape).is_ok());
        assert!(check_address("::1".parse().unwrap(), escape).is_ok());
        assert!(check_address("10.0.0.1".parse().unwrap(), escape).is_err());
        assert!(check_address("169.254.169.254".parse().unwrap(), escape).is_err());
        assert!(check_address("0.0.0.0".parse().unwrap(), escape).is_err());
    }

    #[test]
    fn localhost_names_are_refused_with_or_without_trailing_dot() {
        for name in ["localhost", "LOCALHOST.", "api.localhost", "a.localhost.."] {
            assert!(check_name(name, AddressCheck::PublicOnly).is_err(), "{name}");
        }
        assert!(check_name("localhost.example.com", AddressCheck::PublicOnly).is_ok());
    }
}
