//! The address ranges blocks may not reach, and how an address is judged; the list
//! and the reasons are on [`blocked_range`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Blocked IPv4 ranges: network, prefix length, and what the range is.
const BLOCKED_V4: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, "0.0.0.0/8 (this network)"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "10.0.0.0/8 (private)"),
    (Ipv4Addr::new(100, 64, 0, 0), 10, "100.64.0.0/10 (carrier-grade NAT)"),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "127.0.0.0/8 (loopback)"),
    (Ipv4Addr::new(169, 254, 0, 0), 16, "169.254.0.0/16 (link-local, cloud metadata)"),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "172.16.0.0/12 (private)"),
    (Ipv4Addr::new(192, 0, 0, 0), 24, "192.0.0.0/24 (IETF protocol assignments)"),
    (Ipv4Addr::new(192, 0, 2, 0), 24, "192.0.2.0/24 (documentation)"),
    (Ipv4Addr::new(192, 88, 99, 0), 24, "192.88.99.0/24 (deprecated 6to4 relay anycast)"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, "192.168.0.0/16 (private)"),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "198.18.0.0/15 (benchmarking)"),
    (Ipv4Addr::new(198, 51, 100, 0), 24, "198.51.100.0/24 (documentation)"),
    (Ipv4Addr::new(203, 0, 113, 0), 24, "203.0.113.0/24 (documentation)"),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "224.0.0.0/4 (multicast)"),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "240.0.0.0/4 (reserved, broadcast)"),
];

/// Blocked IPv6 ranges, checked in order before any embedded IPv4 address (so the
/// more specific Teredo entry names itself before the IETF block around it).
const BLOCKED_V6: &[(Ipv6Addr, u8, &str)] = &[
    (Ipv6Addr::UNSPECIFIED, 128, ":: (unspecified)"),
    (Ipv6Addr::LOCALHOST, 128, "::1 (loopback)"),
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, "64:ff9b:1::/48 (local-use NAT64)"),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, "100::/64 (discard-only)"),
    (Ipv6Addr::new(0x100, 0, 0, 1, 0, 0, 0, 0), 64, "100:0:0:1::/64 (dummy prefix)"),
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 32, "2001::/32 (Teredo)"),
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, "2001::/23 (IETF protocol assignments)"),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, "2001:db8::/32 (documentation)"),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20, "3fff::/20 (documentation)"),
    (Ipv6Addr::new(0x5f00, 0, 0, 0, 0, 0, 0, 0), 16, "5f00::/16 (SRv6 segment identifiers)"),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, "fc00::/7 (unique local)"),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "fe80::/10 (link-local)"),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, "fec0::/10 (site-local, deprecated)"),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "ff00::/8 (multicast)"),
];

/// The only IPv6 block allocated for global unicast; everything outside it that
/// embeds no IPv4 address is refused.
const GLOBAL_UNICAST_V6: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);

/// What the catch-all refusal of IPv6 space outside 2000::/3 is called.
const OUTSIDE_GLOBAL_UNICAST: &str = "IPv6 outside 2000::/3 (not allocated for global unicast)";

/// The blocked range an address lies in, if any, ignoring any policy escape.
///
/// The tables follow the IANA IPv4 and IPv6 Special-Purpose Address Registries:
/// every entry that is not globally reachable is refused, and so are multicast,
/// the deprecated IPv6 site-local range and all IPv6 space outside `2000::/3`, the
/// only block IANA allocates for global unicast.
///
/// **IPv4**: 0.0.0.0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24,
/// 192.168/16, 198.18/15, 224/4 (multicast) and 240/4 (reserved, with the limited
/// broadcast address), as the reference platform refuses; and 192.0.2.0/24,
/// 198.51.100.0/24, 203.0.113.0/24 (documentation, never routed) and
/// 192.88.99.0/24 (the deprecated 6to4 relay anycast, whose relays forward into
/// networks nobody vetted). 192.0.0.0/24 is refused whole: its two globally
/// reachable entries (PCP and TURN anycast, 192.0.0.9 and .10) serve no HTTP. The
/// globally reachable special entries stay reachable: 192.31.196.0/24 and
/// 192.175.48.0/24 (AS112), 192.52.193.0/24 (AMT).
///
/// **IPv6**, checked before any embedded IPv4 address: `::`, `::1`, fc00::/7 (unique
/// local), fe80::/10 (link-local), ff00::/8 (multicast), 64:ff9b:1::/48 (local-use
/// NAT64, whose gateways translate into private networks), 100::/64 (discard-only),
/// 100:0:0:1::/64 (dummy prefix, RFC 9780), 2001::/32 (Teredo, whose addresses
/// carry a client's IPv4 address), 2001::/23 (IETF protocol assignments, such as
/// benchmarking 2001:2::/48 and the retired ORCHID 2001:10::/28; refused whole like
/// 192.0.0.0/24, since its few globally reachable anycast and identifier entries
/// serve no HTTP), 2001:db8::/32 and 3fff::/20 (documentation), 5f00::/16 (SRv6
/// segment identifiers), fec0::/10 (site-local, deprecated but still routed inside
/// some networks), and anything else outside 2000::/3.
///
/// **Embedded IPv4**: an IPv6 address that stands for an IPv4 address is judged by
/// it: IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, IPv4-translated
/// `::ffff:0:a.b.c.d`, well-known NAT64 `64:ff9b::a.b.c.d` (a NAT64 gateway
/// forwards to the embedded address) and 6to4 `2002:aabb:ccdd::/48` (a 6to4 relay
/// forwards to `aa.bb.cc.dd`).
///
/// ```
/// use block_core::http::blocked_range;
/// assert_eq!(blocked_range("10.1.2.3".parse().unwrap()), Some("10.0.0.0/8 (private)"));
/// assert_eq!(blocked_range("::ffff:127.0.0.1".parse().unwrap()), Some("127.0.0.0/8 (loopback)"));
/// assert_eq!(blocked_range("2001:db8::1".parse().unwrap()), Some("2001:db8::/32 (documentation)"));
/// assert_eq!(blocked_range("93.184.216.34".parse().unwrap()), None);
/// ```
pub fn blocked_range(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => blocked_v6(v6),
    }
}

fn blocked_v4(address: Ipv4Addr) -> Option<&'static str> {
    let bits = u128::from(u32::from(address));
    BLOCKED_V4
        .iter()
        .find(|&&(network, prefix, _)| in_prefix(bits, u128::from(u32::from(network)), prefix, 32))
        .map(|&(_, _, label)| label)
}

fn blocked_v6(address: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(address);
    if let Some(&(_, _, label)) =
        BLOCKED_V6.iter().find(|&&(network, prefix, _)| in_prefix(bits, u128::from(network), prefix, 128))
    {
        return Some(label);
    }
    if let Some(v4) = embedded_v4(address) {
        return blocked_v4(v4);
    }
    let (global, prefix) = GLOBAL_UNICAST_V6;
    if in_prefix(bits, u128::from(global), prefix, 128) { None } else { Some(OUTSIDE_GLOBAL_UNICAST) }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> Option<&'static str> {
        blocked_range(text.parse().unwrap())
    }

    #[test]
    fn every_table_entry_is_a_network_address() {
        // A typo in a network (host bits set) would make the range silently wider or
        // narrower than its label says.
        for &(network, prefix, label) in BLOCKED_V4 {
            let host_bits = 32 - u32::from(prefix);
            assert_eq!(u32::from(network).checked_shl(32 - host_bits).unwrap_or(0), 0, "{label}");
            assert!(label.starts_with(&format!("{network}/{prefix} ")), "{label}");
        }
        for &(network, prefix, label) in BLOCKED_V6 {
            let host_bits = 128 - u32::from(prefix);
            assert_eq!(u128::from(network).checked_shl(128 - host_bits).unwrap_or(0), 0, "{label}");
        }
    }

    #[test]
    fn embedded_ipv4_addresses_are_judged_by_their_ipv4_part() {
        assert_eq!(range("::ffff:10.0.0.1"), Some("10.0.0.0/8 (private)"));
        assert_eq!(range("::ffff:8.8.8.8"), None);
        assert_eq!(range("::127.0.0.1"), Some("127.0.0.0/8 (loopback)"));
        assert_eq!(range("::ffff:0:192.168.0.1"), Some("192.168.0.0/16 (private)"));
        assert_eq!(range("64:ff9b::a9fe:a9fe"), Some("169.254.0.0/16 (link-local, cloud metadata)"));
        assert_eq!(range("64:ff9b::808:808"), None);
        assert_eq!(range("2002:7f00:1::"), Some("127.0.0.0/8 (loopback)"));
        assert_eq!(range("2002:c0a8:1:5::1"), Some("192.168.0.0/16 (private)"));
        assert_eq!(range("2002:808:808::"), None);
        assert_eq!(range("64:ff9b:1::8.8.8.8"), Some("64:ff9b:1::/48 (local-use NAT64)"));
    }

    #[test]
    fn teredo_is_named_before_the_ietf_block_around_it() {
        assert_eq!(range("2001:0:4136:e378:8000:63bf:3fff:fdd2"), Some("2001::/32 (Teredo)"));
        assert_eq!(range("2001:1::1"), Some("2001::/23 (IETF protocol assignments)"));
    }

    #[test]
    fn ipv6_outside_global_unicast_is_refused_unless_it_embeds_a_public_ipv4() {
        assert_eq!(range("4000::1"), Some(OUTSIDE_GLOBAL_UNICAST));
        assert_eq!(range("1fff:ffff::1"), Some(OUTSIDE_GLOBAL_UNICAST));
        assert_eq!(range("::1:0:0:0"), Some(OUTSIDE_GLOBAL_UNICAST));
        assert_eq!(range("::ffff:8.8.8.8"), None);
        assert_eq!(range("64:ff9b::8.8.8.8"), None);
    }
}
