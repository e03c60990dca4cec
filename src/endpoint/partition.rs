//! AWS partitions: which partition a region belongs to, its DNS suffixes
//! and what it supports.
//!
//! The data is a hand copy of the regex and suffix fields of the SDKs'
//! `partitions.json` for the partitions STS serves.
// NOTE: a new partition needs a new entry here; unknown regions fall back
// to the `aws` partition, as the SDKs' endpoint rules do.

/// One AWS partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    /// The partition name, such as `aws-cn`.
    pub name: &'static str,
    pub dns_suffix: &'static str,
    pub dual_stack_dns_suffix: &'static str,
    pub supports_fips: bool,
    pub supports_dual_stack: bool,
    /// The region used when no region is configured.
    pub default_region: &'static str,
    /// Region name prefixes that belong to it (`cn-` for `aws-cn`).
    prefixes: &'static [&'static str],
    /// Its global pseudo-region, such as `aws-global`.
    global_region: &'static str,
}

const AWS: Partition = Partition {
    name: "aws",
    dns_suffix: "amazonaws.com",
    dual_stack_dns_suffix: "api.aws",
    supports_fips: true,
    supports_dual_stack: true,
    default_region: "us-east-1",
    prefixes: &["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"],
    global_region: "aws-global",
};

/// Every known partition; more specific prefixes come first.
pub const PARTITIONS: &[Partition] = &[
    Partition {
        name: "aws-us-gov",
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
        supports_fips: true,
        supports_dual_stack: true,
        default_region: "us-gov-west-1",
        prefixes: &["us-gov"],
        global_region: "aws-us-gov-global",
    },
    Partition {
        name: "aws-iso-b",
        dns_suffix: "sc2s.sgov.gov",
        dual_stack_dns_suffix: "sc2s.sgov.gov",
        supports_fips: true,
        supports_dual_stack: false,
        default_region: "us-isob-east-1",
        prefixes: &["us-isob"],
        global_region: "aws-iso-b-global",
    },
    Partition {
        name: "aws-iso-f",
        dns_suffix: "csp.hci.ic.gov",
        dual_stack_dns_suffix: "csp.hci.ic.gov",
        supports_fips: true,
        supports_dual_stack: false,
        default_region: "us-isof-south-1",
        prefixes: &["us-isof"],
        global_region: "aws-iso-f-global",
    },
    Partition {
        name: "aws-iso-e",
        dns_suffix: "cloud.adc-e.uk",
        dual_stack_dns_suffix: "cloud.adc-e.uk",
        supports_fips: true,
        supports_dual_stack: false,
        default_region: "eu-isoe-west-1",
        prefixes: &["eu-isoe"],
        global_region: "aws-iso-e-global",
    },
    Partition {
        name: "aws-iso",
        dns_suffix: "c2s.ic.gov",
        dual_stack_dns_suffix: "c2s.ic.gov",
        supports_fips: true,
        supports_dual_stack: false,
        default_region: "us-iso-east-1",
        prefixes: &["us-iso"],
        global_region: "aws-iso-global",
    },
    Partition {
        name: "aws-cn",
        dns_suffix: "amazonaws.com.cn",
        dual_stack_dns_suffix: "api.amazonwebservices.com.cn",
        supports_fips: true,
        supports_dual_stack: true,
        default_region: "cn-north-1",
        prefixes: &["cn"],
        global_region: "aws-cn-global",
    },
    Partition {
        name: "aws-eusc",
        dns_suffix: "amazonaws.eu",
        dual_stack_dns_suffix: "amazonaws.eu",
        supports_fips: true,
        supports_dual_stack: false,
        default_region: "eusc-de-east-1",
        prefixes: &["eusc-de"],
        global_region: "aws-eusc-global",
    },
    AWS,
];

// Matches `<prefix>-<word>-<digits>`, the shape of the partitions' region
// regexes such as `^cn\-\w+\-\d+$`.
fn matches_region(prefix: &str, region: &str) -> bool {
    let Some(rest) = region
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
    else {
        return false;
    };
    let Some((word, digits)) = rest.split_once('-') else {
        return false;
    };
    !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The partition of `region`; `aws` for an unknown region.
pub fn partition_of_region(region: &str) -> &'static Partition {
    for partition in PARTITIONS {
        if region == partition.global_region {
            return partition;
        }
        if partition.prefixes.iter().any(|p| matches_region(p, region)) {
            return partition;
        }
    }
    &PARTITIONS[PARTITIONS.len() - 1]
}

/// The partition named `name` (the second field of an ARN), if known.
pub fn partition_by_name(name: &str) -> Option<&'static Partition> {
    PARTITIONS.iter().find(|p| p.name == name)
}
