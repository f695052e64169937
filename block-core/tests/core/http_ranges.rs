//! Every blocked range, at both ends, with the addresses just outside it: written
//! out by hand rather than computed from the guard's own table, so that a wrong
//! network or prefix length in the table fails here.

use std::net::IpAddr;

use block_core::http::blocked_range;

/// `(range label, first address, last address, just below, just above)`. The
/// neighbours must not fall in the range (they may fall in another one).
const RANGES: &[(&str, &str, &str, &str, &str)] = &[
    // IPv4.
    ("0.0.0.0/8 (this network)", "0.0.0.0", "0.255.255.255", "", "1.0.0.0"),
    ("10.0.0.0/8 (private)", "10.0.0.0", "10.255.255.255", "9.255.255.255", "11.0.0.0"),
    ("100.64.0.0/10 (carrier-grade NAT)", "100.64.0.0", "100.127.255.255", "100.63.255.255", "100.128.0.0"),
    ("127.0.0.0/8 (loopback)", "127.0.0.0", "127.255.255.255", "126.255.255.255", "128.0.0.0"),
    ("169.254.0.0/16 (link-local, cloud metadata)", "169.254.0.0", "169.254.255.255", "169.253.255.255", "169.255.0.0"),
    ("172.16.0.0/12 (private)", "172.16.0.0", "172.31.255.255", "172.15.255.255", "172.32.0.0"),
    ("192.0.0.0/24 (IETF protocol assignments)", "192.0.0.0", "192.0.0.255", "191.255.255.255", "192.0.1.0"),
    ("192.0.2.0/24 (documentation)", "192.0.2.0", "192.0.2.255", "192.0.1.255", "192.0.3.0"),
    ("192.88.99.0/24 (deprecated 6to4 relay anycast)", "192.88.99.0", "192.88.99.255", "192.88.98.255", "192.88.100.0"),
    ("192.168.0.0/16 (private)", "192.168.0.0", "192.168.255.255", "192.167.255.255", "192.169.0.0"),
    ("198.18.0.0/15 (benchmarking)", "198.18.0.0", "198.19.255.255", "198.17.255.255", "198.20.0.0"),
    ("198.51.100.0/24 (documentation)", "198.51.100.0", "198.51.100.255", "198.51.99.255", "198.51.101.0"),
    ("203.0.113.0/24 (documentation)", "203.0.113.0", "203.0.113.255", "203.0.112.255", "203.0.114.0"),
    ("224.0.0.0/4 (multicast)", "224.0.0.0", "239.255.255.255", "223.255.255.255", "240.0.0.0"),
    ("240.0.0.0/4 (reserved, broadcast)", "240.0.0.0", "255.255.255.255", "239.255.255.255", ""),
    // IPv6.
    (":: (unspecified)", "::", "::", "", "::1"),
    ("::1 (loopback)", "::1", "::1", "::", "::2"),
    (
        "64:ff9b:1::/48 (local-use NAT64)",
        "64:ff9b:1::",
        "64:ff9b:1:ffff:ffff:ffff:ffff:ffff",
        "64:ff9b:0:ffff:ffff:ffff:ffff:ffff",
        "64:ff9b:2::",
    ),
    (
        "100::/64 (discard-only)",
        "100::",
        "100::ffff:ffff:ffff:ffff",
        "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "100:0:0:1::",
    ),
    (
        "100:0:0:1::/64 (dummy prefix)",
        "100:0:0:1::",
        "100:0:0:1:ffff:ffff:ffff:ffff",
        "100::ffff:ffff:ffff:ffff",
        "100:0:0:2::",
    ),
    (
        "2001::/32 (Teredo)",
        "2001::",
        "2001:0:ffff:ffff:ffff:ffff:ffff:ffff",
        "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:1::",
    ),
    (
        "2001::/23 (IETF protocol assignments)",
        "2001:1::",
        "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:0:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:200::",
    ),
    (
        "2001:db8::/32 (documentation)",
        "2001:db8::",
        "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:db9::",
    ),
    (
        "3fff::/20 (documentation)",
        "3fff::",
        "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff",
        "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "3fff:1000::",
    ),
    (
        "5f00::/16 (SRv6 segment identifiers)",
        "5f00::",
        "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "5f01::",
    ),
    (
        "fc00::/7 (unique local)",
        "fc00::",
        "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "fe00::",
    ),
    (
        "fe80::/10 (link-local)",
        "fe80::",
        "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "fec0::",
    ),
    (
        "fec0::/10 (site-local, deprecated)",
        "fec0::",
        "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "ff00::",
    ),
    (
        "ff00::/8 (multicast)",
        "ff00::",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "",
    ),
];

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap_or_else(|_| panic!("`{text}` in the table is not an IP address"))
}

#[test]
fn every_range_is_refused_from_its_first_to_its_last_address() {
    for &(label, first, last, _, _) in RANGES {
        assert_eq!(blocked_range(ip(first)), Some(label), "first address {first}");
        assert_eq!(blocked_range(ip(last)), Some(label), "last address {last}");
    }
}

#[test]
fn the_addresses_just_outside_each_range_are_not_in_it() {
    for &(label, _, _, below, above) in RANGES {
        for neighbour in [below, above].into_iter().filter(|text| !text.is_empty()) {
            assert_ne!(blocked_range(ip(neighbour)), Some(label), "{neighbour} is outside {label}");
        }
    }
}

#[test]
fn public_neighbours_of_the_new_ranges_stay_reachable() {
    for public in [
        // Beside the documentation and relay ranges.
        "192.0.1.255",
        "192.0.3.0",
        "192.88.98.255",
        "192.88.100.0",
        "198.51.99.255",
        "198.51.101.0",
        "203.0.112.255",
        "203.0.114.0",
        // Globally reachable special-purpose entries.
        "192.31.196.1",
        "192.52.193.1",
        "192.175.48.1",
        // Global unicast IPv6 beside the refused blocks.
        "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:200::1",
        "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:db9::",
        "2606:4700:4700::1111",
        "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "3fff:1000::",
    ] {
        assert_eq!(blocked_range(ip(public)), None, "{public} is public");
    }
}

#[test]
fn ipv6_space_outside_global_unicast_is_refused() {
    for outside in ["4000::1", "5eff::1", "5f01::1", "8000::1", "e000::1", "fe00::1", "1fff:ffff::1", "::1:0:0:0"] {
        assert_eq!(
            blocked_range(ip(outside)),
            Some("IPv6 outside 2000::/3 (not allocated for global unicast)"),
            "{outside}"
        );
    }
}

#[test]
fn tunnels_and_translators_are_judged_by_the_ipv4_address_they_lead_to() {
    let cases = [
        ("::ffff:192.0.2.1", Some("192.0.2.0/24 (documentation)")),
        ("::ffff:203.0.113.9", Some("203.0.113.0/24 (documentation)")),
        ("::ffff:0:198.51.100.7", Some("198.51.100.0/24 (documentation)")),
        ("64:ff9b::10.0.0.1", Some("10.0.0.0/8 (private)")),
        ("64:ff9b::192.168.1.1", Some("192.168.0.0/16 (private)")),
        ("64:ff9b::8.8.8.8", None),
        ("2002:0a00:0001::1", Some("10.0.0.0/8 (private)")),
        ("2002:a9fe:a9fe:1::1", Some("169.254.0.0/16 (link-local, cloud metadata)")),
        ("2002:c058:6301::", Some("192.88.99.0/24 (deprecated 6to4 relay anycast)")),
        ("2002:0808:0808::1", None),
        // Teredo is refused whole, whatever client address it carries.
        ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", Some("2001::/32 (Teredo)")),
    ];
    for (address, range) in cases {
        assert_eq!(blocked_range(ip(address)), range, "{address}");
    }
}
