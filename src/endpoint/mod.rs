//! STS endpoint resolution: region and flags in, URL and signing region out.
//!
//! This follows the STS endpoint rule set that the AWS SDKs ship (botocore's
//! `endpoint-rules/sts`). A custom endpoint wins, and it excludes FIPS and
//! dual-stack. `UseGlobalEndpoint` (botocore's `sts_regional_endpoints =
//! legacy`) sends the legacy regions to `sts.amazonaws.com`. Otherwise the
//! endpoint is regional.

pub mod partition;

use alloc::format;
use alloc::string::{String, ToString};

pub use partition::{partition_by_name, partition_of_region, Partition};

/// The inputs of the STS endpoint rule set, named as the rule set names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StsEndpointParams {
    /// `Region`.
    pub region: Option<String>,
    /// `UseFIPS`.
    pub use_fips: bool,
    /// `UseDualStack`.
    pub use_dual_stack: bool,
    /// `UseGlobalEndpoint`: botocore's `sts_regional_endpoints = legacy`.
    pub use_global_endpoint: bool,
    /// `Endpoint`: a custom endpoint URL.
    pub endpoint: Option<String>,
}

/// A resolved endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedEndpoint {
    pub url: String,
    /// The SigV4 signing region; `None` for a custom endpoint, whose
    /// signing region is the configured region.
    pub signing_region: Option<String>,
}

/// Regions that `sts_regional_endpoints = legacy` sends to the global
/// endpoint, from the STS rule set.
pub const LEGACY_GLOBAL_REGIONS: &[&str] = &[
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

fn global() -> ResolvedEndpoint {
    ResolvedEndpoint {
        url: "https://sts.amazonaws.com".to_string(),
        signing_region: Some("us-east-1".to_string()),
    }
}

fn regional(url: String, region: &str) -> ResolvedEndpoint {
    ResolvedEndpoint {
        url,
        signing_region: Some(region.to_string()),
    }
}

/// Resolves the STS endpoint.
///
/// Fails, with a lowercase message naming the conflicting settings, when a
/// custom endpoint is combined with FIPS or dual-stack, when no region is
/// given without a custom endpoint, and when the region's partition does
/// not support FIPS or dual-stack.
pub fn resolve_sts_endpoint(params: &StsEndpointParams) -> Result<ResolvedEndpoint, String> {
    if let Some(endpoint) = &params.endpoint {
        if params.use_fips {
            return Err(format!(
                "invalid configuration: FIPS and the custom endpoint `{endpoint}` are not supported together; unset one of them"
            ));
        }
        if params.use_dual_stack {
            return Err(format!(
                "invalid configuration: dual-stack and the custom endpoint `{endpoint}` are not supported together; unset one of them"
            ));
        }
        return Ok(ResolvedEndpoint {
            url: endpoint.clone(),
            signing_region: params.region.clone(),
        });
    }
    let Some(region) = params.region.as_deref() else {
        return Err(
            "invalid configuration: missing region; set a region or an endpoint URL".to_string(),
        );
    };
    let partition = partition_of_region(region);

    if params.use_global_endpoint && !params.use_fips && !params.use_dual_stack {
        if LEGACY_GLOBAL_REGIONS.contains(&region) {
            return Ok(global());
        }
        return Ok(regional(
            format!("https://sts.{region}.{}", partition.dns_suffix),
            region,
        ));
    }
    if params.use_fips && params.use_dual_stack {
        if partition.supports_fips && partition.supports_dual_stack {
            return Ok(regional(
                format!(
                    "https://sts-fips.{region}.{}",
                    partition.dual_stack_dns_suffix
                ),
                region,
            ));
        }
        return Err(format!(
            "invalid configuration: FIPS and dual-stack are enabled, but partition `{}` of region `{region}` does not support one or both",
            partition.name
        ));
    }
    if params.use_fips {
        if !partition.supports_fips {
            return Err(format!(
                "invalid configuration: FIPS is enabled, but partition `{}` of region `{region}` does not support it",
                partition.name
            ));
        }
        // GovCloud's regular STS endpoints are already FIPS endpoints.
        if partition.name == "aws-us-gov" {
            return Ok(regional(
                format!("https://sts.{region}.amazonaws.com"),
                region,
            ));
        }
        return Ok(regional(
            format!("https://sts-fips.{region}.{}", partition.dns_suffix),
            region,
        ));
    }
    if params.use_dual_stack {
        if !partition.supports_dual_stack {
            return Err(format!(
                "invalid configuration: dual-stack is enabled, but partition `{}` of region `{region}` does not support it",
                partition.name
            ));
        }
        return Ok(regional(
            format!("https://sts.{region}.{}", partition.dual_stack_dns_suffix),
            region,
        ));
    }
    if region == "aws-global" {
        return Ok(global());
    }
    Ok(regional(
        format!("https://sts.{region}.{}", partition.dns_suffix),
        region,
    ))
}
