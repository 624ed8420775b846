using River.Values;

namespace River.Components.Prom.Scrape;

/// <summary>Debug information of <c>prometheus.scrape</c>: one <c>target</c> block per target, as Alloy shows it.</summary>
public sealed class ScrapeDebugInfo
{
    /// <summary>The targets.</summary>
    [RiverBlock("target")]
    public List<TargetDebugInfo> Targets { get; init; } = [];
}

/// <summary>One target's status.</summary>
public sealed class TargetDebugInfo
{
    /// <summary>The job label.</summary>
    [River("job")]
    public string Job { get; init; } = "";

    /// <summary>The scrape URL.</summary>
    [River("url")]
    public string Url { get; init; } = "";

    /// <summary>up, down or unknown.</summary>
    [River("health")]
    public string Health { get; init; } = "";

    /// <summary>The labels added to the target's series.</summary>
    [River("labels")]
    public Dictionary<string, string> Labels { get; init; } = [];

    /// <summary>The last scrape's error, empty when it worked.</summary>
    [River("last_error")]
    public string LastError { get; init; } = "";

    /// <summary>When the last scrape started (RFC 3339), empty before the first.</summary>
    [River("last_scrape")]
    public string LastScrape { get; init; } = "";

    /// <summary>How long the last scrape took.</summary>
    [River("last_scrape_duration")]
    public TimeSpan LastScrapeDuration { get; init; }
}
