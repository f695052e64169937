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
//! The ranges themselves, and how IPv6 addresses that embed an IPv4 address are
//! judged, are listed in `ranges.rs` (see [`blocked_range`](super::blocked_range)).
//!
//! A refusal may name the address and its range only when the caller wrote that
//! address: for a host name it says no more than that the name resolves to an
//! address blocks may not reach, so that a caller cannot map internal names by
//! trying them.

use std::net::IpAddr;

use url::{Host, Url};

use super::error::BlockReason;
use super::ranges::blocked_range;

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
